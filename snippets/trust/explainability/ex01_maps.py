import matplotlib.pyplot as plt

from medguide import (SmallCNN, fit, grad_cam, load_splits, memoize,
                      occlusion, plot_saliency, set_seed)

MALIGNANT = 0


@memoize
def train_cnn(train, val):
    set_seed(0)
    model = SmallCNN(width=8)
    fit(model, train, val, epochs=30, patience=5, seed=0)
    return model


splits = load_splits("breastmnist")
train, val, test = splits["train"], splits["val"], splits["test"]
model = train_cnn((train.images, train.labels), (val.images, val.labels))

images = test.images[test.labels == MALIGNANT][:3]
maps = {
    "Grad-CAM": grad_cam(model, images, target=MALIGNANT, layer="block3"),
    "occlusion": occlusion(model, images, target=MALIGNANT),
}
fig, axes = plt.subplots(3, 3, figsize=(8, 7.5), layout="constrained")
for row, image in enumerate(images):
    axes[row, 0].imshow(image, cmap="gray")
    axes[row, 0].set_axis_off()
    for column, (method, method_maps) in enumerate(maps.items(), start=1):
        plot_saliency(image, method_maps[row], ax=axes[row, column])
        axes[row, column].set_title(method if row == 0 else "")
axes[0, 0].set_title("image")
