import matplotlib.pyplot as plt
import numpy as np

from medguide import load_split

train = load_split("breastmnist", "train")
rng = np.random.default_rng(0)
per_class = 6

fig, axes = plt.subplots(2, per_class, figsize=(7.5, 3), layout="constrained")
for row, (label, name) in enumerate(train.info.label_names.items()):
    chosen = rng.choice(np.flatnonzero(train.labels == label), size=per_class, replace=False)
    for ax, index in zip(axes[row], chosen):
        ax.imshow(train.images[index], cmap="gray", vmin=0, vmax=255)
        ax.set_axis_off()
        ax.set_title(f"#{index}", fontsize=8)
    axes[row, 0].text(-0.15, 0.5, f"label {label}\n{name}", transform=axes[row, 0].transAxes,
                      ha="right", va="center", fontsize=9)
fig.suptitle("BreastMNIST training images, 28 x 28 pixels")
