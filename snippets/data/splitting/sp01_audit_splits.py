from medguide import audit_splits, load_splits

reports = {}
for name in ["breastmnist", "pneumoniamnist"]:
    splits = load_splits(name)
    reports[name] = audit_splits(
        {split: (data.images, data.labels) for split, data in splits.items()}
    )
    print(f"== {name}")
    print(reports[name].summary())
    print()

breast = reports["breastmnist"]
for group in breast.exact_duplicates_across:
    print("BreastMNIST exact copy:", group.members, "labels", group.labels)
for pair in breast.conflicting_near_duplicates:
    print(
        f"BreastMNIST near-copy with another label: {pair.split_a} "
        f"#{pair.index_a} (label {pair.label_a}) and {pair.split_b} "
        f"#{pair.index_b} (label {pair.label_b}), r = {pair.correlation:.4f}"
    )
