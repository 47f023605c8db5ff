from medguide import load_splits

for name, split in load_splits("pneumoniamnist").items():
    share = split.labels.mean()
    print(f"{name:<5} {len(split):>5} images, pneumonia in {share:.1%}")
