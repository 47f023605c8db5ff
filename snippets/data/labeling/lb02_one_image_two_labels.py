import matplotlib.pyplot as plt

from medguide import load_splits

splits = load_splits("breastmnist")
names = splits["train"].info.label_names
cases = [("train", 115), ("test", 76), ("train", 481), ("test", 7)]

fig, axes = plt.subplots(1, len(cases), figsize=(7.5, 2.4),
                         layout="constrained")
for ax, (split, index) in zip(axes, cases):
    label = int(splits[split].labels[index])
    ax.imshow(splits[split].images[index], cmap="gray", vmin=0, vmax=255)
    ax.set_axis_off()
    ax.set_title(f"{split} #{index}\nlabel {label}: {names[label]}",
                 fontsize=8)
    print(f"{split:>5} #{index:<3} label {label} ({names[label]})")

same = (splits["train"].images[115] == splits["test"].images[76]).all()
print("train #115 and test #76 are identical pixel for pixel:", bool(same))
