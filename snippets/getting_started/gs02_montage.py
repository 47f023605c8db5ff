from medguide import describe_figure, load_split, plot_image_grid

train = load_split("breastmnist", "train")
fig = plot_image_grid(
    train.images,
    train.labels,
    label_names=train.info.label_names,
    per_class=6,
    seed=0,
)
print(describe_figure(fig))
