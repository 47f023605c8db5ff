import matplotlib.pyplot as plt
import numpy as np

from medguide import (SmallCNN, bootstrap_auroc, fit, grad_cam, load_splits,
                      memoize, plot_saliency, predict, set_seed)

MALIGNANT = 0


def stamp(images, labels, marked_class):
    marked = images.copy()
    marked[labels == marked_class, 1:4, 1:4] = 255
    return marked


@memoize
def train_cnn(train, val):
    set_seed(0)
    model = SmallCNN(width=8)
    fit(model, train, val, epochs=15, patience=5, seed=0)
    return model


splits = load_splits("breastmnist")
train, val, test = splits["train"], splits["val"], splits["test"]
model = train_cnn(
    (stamp(train.images, train.labels, MALIGNANT), train.labels),
    (stamp(val.images, val.labels, MALIGNANT), val.labels))

test_sets = {
    "marker on malignant (as in training)":
        stamp(test.images, test.labels, MALIGNANT),
    "no marker (real images)": test.images,
    "marker on benign instead":
        stamp(test.images, test.labels, 1 - MALIGNANT),
}
print(f"{'test images':<38}{'AUROC, malignant':>22}")
aurocs = {}
for name, images in test_sets.items():
    scores = predict(model, images)[:, MALIGNANT]
    aurocs[name] = bootstrap_auroc(test.labels, scores,
                                   positive_label=MALIGNANT)
    result = aurocs[name]
    print(f"{name:<38}{result.estimate:>10.2f} "
          f"({result.low:.2f}-{result.high:.2f})")

marked_malignant = test_sets["marker on malignant (as in training)"][
    test.labels == MALIGNANT]
maps = grad_cam(model, marked_malignant, target=MALIGNANT, layer="block3")
share = maps[:, :7, :7].sum(axis=(1, 2)) / maps.sum(axis=(1, 2))
print(f"\nGrad-CAM on {len(maps)} marked malignant test images:")
print(f"{np.median(share):.0%} of the map (median) lies in the corner "
      f"7 x 7 block,\nwhich covers {49 / 784:.0%} of the image")

fig, axes = plt.subplots(1, 3, figsize=(9, 2.8), layout="constrained")
for ax, image, saliency in zip(axes, marked_malignant, maps):
    plot_saliency(image, saliency, ax=ax)
