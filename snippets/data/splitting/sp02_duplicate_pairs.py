import matplotlib.pyplot as plt

from medguide import audit_splits, load_splits

splits = load_splits("breastmnist")
report = audit_splits(
    {split: (data.images, data.labels) for split, data in splits.items()}
)
pairs = sorted(
    (pair for pair in report.near_duplicates
     if (pair.split_a, pair.split_b) == ("train", "test")),
    key=lambda pair: pair.correlation,
)
shown_pairs = [pairs[-1], pairs[-2], pairs[len(pairs) // 2], pairs[0]]

fig, axes = plt.subplots(2, len(shown_pairs), figsize=(7.5, 4),
                         layout="constrained")
for column, pair in enumerate(shown_pairs):
    for row, (split, index, label) in enumerate(
        [(pair.split_a, pair.index_a, pair.label_a),
         (pair.split_b, pair.index_b, pair.label_b)]
    ):
        ax = axes[row, column]
        ax.imshow(splits[split].images[index], cmap="gray", vmin=0,
                  vmax=255)
        ax.set_axis_off()
        ax.set_title(f"{split} #{index}, label {label}", fontsize=8)
    axes[0, column].text(
        0.5, 1.25, f"r = {pair.correlation:.4f}", ha="center", fontsize=9,
        transform=axes[0, column].transAxes,
    )
fig.suptitle("BreastMNIST training images (top) and their near-copies "
             "in the test set")
