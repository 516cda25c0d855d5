// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * airlock_edu: checks that QEMU's edu device (1234:11e8) delivers its
 * interrupts to the airlock test guest. The Debian guest kernel has neither
 * VFIO no-IOMMU nor a generic MSI driver, hence this module.
 *
 * insmod airlock_edu.ko mode=msi|intx [irqs=100] [timeout_ms=5000]
 *
 * On probe it takes one vector of that type, then
 *   - has edu compute 10! with "raise an interrupt when done" and waits
 *     for that interrupt;
 *   - raises `irqs` interrupts one at a time through edu's raise register,
 *     each acknowledged by the handler, and counts those that arrive
 *     (it stops at the first that does not come within timeout_ms).
 * The outcome is the PCI device's sysfs attribute airlock_edu, one line:
 *   msi factorial 3628800 irqs 100/100
 * with "factorial timeout" when the completion interrupt did not come. The
 * device stays bound, so its vector stays in /proc/interrupts.
 *
 * Registers: QEMU's docs/specs/edu.txt. No DMA: QEMU 7.2's edu aborts on
 * some transfers, and interrupts need none.
 */
#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>

#define EDU_FACT		0x08
#define EDU_STATUS		0x20
#define EDU_STATUS_IRQFACT	0x80
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64
/* A status bit edu does not use itself (factorial: 0x1, DMA: 0x100). */
#define EDU_IRQ_TEST		0x10000

static char *mode = "msi";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "interrupt type: msi or intx");
static unsigned int irqs = 100;
module_param(irqs, uint, 0444);
MODULE_PARM_DESC(irqs, "interrupts to raise one at a time");
static unsigned int timeout_ms = 5000;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "how long to wait for each interrupt");

struct edu {
	void __iomem *regs;
	struct completion irq_done;
	atomic_t irqs_seen;
	char result[80];
};

static irqreturn_t edu__irq(int irq, void *data)
{
	struct edu *edu = data;
	u32 status = ioread32(edu->regs + EDU_IRQ_STATUS);

	/* An INTx line may be shared with other devices. */
	if (!status)
		return IRQ_NONE;
	iowrite32(status, edu->regs + EDU_IRQ_ACK);
	atomic_inc(&edu->irqs_seen);
	complete(&edu->irq_done);
	return IRQ_HANDLED;
}

static bool edu__wait(struct edu *edu)
{
	return wait_for_completion_timeout(&edu->irq_done, msecs_to_jiffies(timeout_ms)) != 0;
}

static void edu__run(struct edu *edu)
{
	char fact[16] = "timeout";
	unsigned int i;

	reinit_completion(&edu->irq_done);
	iowrite32(EDU_STATUS_IRQFACT, edu->regs + EDU_STATUS);
	iowrite32(10, edu->regs + EDU_FACT);
	if (edu__wait(edu))
		snprintf(fact, sizeof(fact), "%u", ioread32(edu->regs + EDU_FACT));
	/* Whoever computes a factorial next (edu-test) polls for it. */
	iowrite32(0, edu->regs + EDU_STATUS);

	atomic_set(&edu->irqs_seen, 0);
	for (i = 0; i < irqs; i++) {
		reinit_completion(&edu->irq_done);
		iowrite32(EDU_IRQ_TEST, edu->regs + EDU_IRQ_RAISE);
		if (!edu__wait(edu))
			break;
	}
	snprintf(edu->result, sizeof(edu->result), "%s factorial %s irqs %d/%u", mode, fact,
		 atomic_read(&edu->irqs_seen), irqs);
}

static int edu__probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	unsigned int type = strcmp(mode, "intx") ? PCI_IRQ_MSI : PCI_IRQ_LEGACY;
	struct edu *edu;
	int ret;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	init_completion(&edu->irq_done);
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	/*
	 * Mapped but not claimed: edu-test, which init runs next, maps BAR0
	 * through sysfs, and the kernel refuses that for a claimed region.
	 */
	edu->regs = pcim_iomap(pdev, 0, 0);
	if (!edu->regs)
		return -ENOMEM;
	/* An MSI is a memory write by the device: no bus mastering, no MSI. */
	pci_set_master(pdev);
	/* Managed device: devres frees the vector after the handler. */
	ret = pci_alloc_irq_vectors(pdev, 1, 1, type);
	if (ret < 0) {
		dev_err(&pdev->dev, "no %s vector: %d\n", mode, ret);
		return ret;
	}
	ret = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, 0), edu__irq, IRQF_SHARED, "airlock_edu", edu);
	if (ret) {
		dev_err(&pdev->dev, "request_irq %d: %d\n", pci_irq_vector(pdev, 0), ret);
		return ret;
	}
	pci_set_drvdata(pdev, edu);
	edu__run(edu);
	dev_info(&pdev->dev, "%s\n", edu->result);
	return 0;
}

static ssize_t airlock_edu_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct edu *edu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", edu->result);
}
static DEVICE_ATTR_RO(airlock_edu);

static struct attribute *edu_attrs[] = {
	&dev_attr_airlock_edu.attr,
	NULL,
};
ATTRIBUTE_GROUPS(edu);

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "airlock_edu",
	.id_table = edu_ids,
	.probe = edu__probe,
	.dev_groups = edu_groups,
};

static int __init edu__init(void)
{
	if (strcmp(mode, "msi") && strcmp(mode, "intx")) {
		pr_err("airlock_edu: mode=%s is not an interrupt type; use mode=msi or mode=intx\n", mode);
		return -EINVAL;
	}
	return pci_register_driver(&edu_driver);
}
module_init(edu__init);

static void __exit edu__exit(void)
{
	pci_unregister_driver(&edu_driver);
}
module_exit(edu__exit);

MODULE_DESCRIPTION("airlock test: interrupts of QEMU's edu device");
MODULE_LICENSE("Dual MIT/GPL");
