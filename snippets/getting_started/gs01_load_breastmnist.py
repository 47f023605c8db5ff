from medguide import load_splits

splits = load_splits("breastmnist")
info = splits["train"].info

print(f"Task: {info.task}, licence: {info.licence}")
print(f"Label coding: {info.label_names}")
print()
print(f"{'split':<6} {'images':>6} {'malignant':>10} {'normal or benign':>17} {'malignant %':>12}")
for name, split in splits.items():
    counts = split.class_counts()
    malignant = counts["malignant"]
    print(
        f"{name:<6} {len(split):>6} {malignant:>10} {counts['normal, benign']:>17}"
        f" {100 * malignant / len(split):>11.1f}%"
    )
print(f"image shape {splits['train'].images.shape[1:]}, dtype {splits['train'].images.dtype}")
