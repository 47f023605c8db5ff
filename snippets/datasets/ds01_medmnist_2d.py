from medmnist import INFO

print("| dataset | task | classes | train | val | test | licence |")
print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
for name, info in INFO.items():
    if name.endswith("3d"):
        continue
    n = info["n_samples"]
    print(
        f"| `{name}` | {info['task']} | {len(info['label'])} | {n['train']:,} "
        f"| {n['val']:,} | {n['test']:,} | {info['license']} |"
    )
