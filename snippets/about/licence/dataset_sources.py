import medmnist
from medmnist.dataset import MedMNIST2D

# Source datasets, their licences and their papers as listed for each subset
# on the MedMNIST project page (https://medmnist.com/). For LiTS and DeepDRiD
# the project page cites an arXiv preprint and a challenge website, so the
# entries here cite the journal papers published later.
CITATIONS = {
    "kather2019": (
        "Kather JN, Krisam J, et al. Predicting survival from colorectal cancer histology"
        " slides using deep learning: a retrospective multicenter study."
        " *PLOS Medicine* 16(1): e1002730 (2019).",
        "https://doi.org/10.1371/journal.pmed.1002730",
    ),
    "wang2017": (
        "Wang X, Peng Y, et al. ChestX-ray8: hospital-scale chest X-ray database and"
        " benchmarks on weakly-supervised classification and localization of common"
        " thorax diseases. *CVPR* (2017).",
        "https://doi.org/10.1109/CVPR.2017.369",
    ),
    "tschandl2018": (
        "Tschandl P, Rosendahl C, Kittler H. The HAM10000 dataset, a large collection of"
        " multi-source dermatoscopic images of common pigmented skin lesions."
        " *Scientific Data* 5: 180161 (2018).",
        "https://doi.org/10.1038/sdata.2018.161",
    ),
    "codella2019": (
        "Codella N, Rotemberg V, et al. Skin lesion analysis toward melanoma detection"
        " 2018: a challenge hosted by the International Skin Imaging Collaboration (ISIC)."
        " arXiv:1902.03368 (2019).",
        "https://arxiv.org/abs/1902.03368",
    ),
    "kermany2018": (
        "Kermany DS, Goldbaum M, et al. Identifying medical diagnoses and treatable"
        " diseases by image-based deep learning. *Cell* 172(5): 1122-1131.e9 (2018).",
        "https://doi.org/10.1016/j.cell.2018.02.010",
    ),
    "liu2022": (
        "Liu R, Wang X, Wu Q, et al. DeepDRiD: diabetic retinopathy - grading and image"
        " quality estimation challenge. *Patterns* 3: 100512 (2022).",
        "https://doi.org/10.1016/j.patter.2022.100512",
    ),
    "aldhabyani2020": (
        "Al-Dhabyani W, Gomaa M, Khaled H, Fahmy A. Dataset of breast ultrasound images."
        " *Data in Brief* 28: 104863 (2020).",
        "https://doi.org/10.1016/j.dib.2019.104863",
    ),
    "acevedo2020": (
        "Acevedo A, Merino A, Alférez S, et al. A dataset of microscopic peripheral blood"
        " cell images for development of automatic recognition systems."
        " *Data in Brief* 30: 105474 (2020).",
        "https://doi.org/10.1016/j.dib.2020.105474",
    ),
    "ljosa2012": (
        "Ljosa V, Sokolnicki KL, Carpenter AE. Annotated high-throughput microscopy image"
        " sets for validation. *Nature Methods* 9: 637 (2012).",
        "https://doi.org/10.1038/nmeth.2083",
    ),
    "bilic2023": (
        "Bilic P, Christ PF, et al. The Liver Tumor Segmentation Benchmark (LiTS)."
        " *Medical Image Analysis* 84: 102680 (2023).",
        "https://doi.org/10.1016/j.media.2022.102680",
    ),
    "xu2019": (
        "Xu X, Zhou F, et al. Efficient multiple organ localization in CT image using 3D"
        " region proposal network. *IEEE Transactions on Medical Imaging* 38(8):"
        " 1885-1898 (2019).",
        "https://doi.org/10.1109/TMI.2019.2894854",
    ),
}

ORGAN_SOURCE = ("LiTS CT scans with organ boxes from Xu et al.", "CC BY 4.0", ["bilic2023", "xu2019"])

# flag: (source data, licence of the source as given by MedMNIST, citation keys)
SOURCES = {
    "pathmnist": ("NCT-CRC-HE-100K and CRC-VAL-HE-7K", "CC BY 4.0", ["kather2019"]),
    "chestmnist": ("NIH ChestX-ray14", "CC0 1.0", ["wang2017"]),
    "dermamnist": ("HAM10000", "CC BY-NC 4.0", ["tschandl2018", "codella2019"]),
    "octmnist": ("Retinal OCT images of Kermany et al.", "CC BY 4.0", ["kermany2018"]),
    "pneumoniamnist": ("Paediatric chest X-rays of Kermany et al.", "CC BY 4.0", ["kermany2018"]),
    "retinamnist": ("DeepDRiD", "CC BY 4.0", ["liu2022"]),
    "breastmnist": ("Breast ultrasound images (BUSI)", "CC BY 4.0", ["aldhabyani2020"]),
    "bloodmnist": ("Peripheral blood cell images", "CC BY 4.0", ["acevedo2020"]),
    "tissuemnist": ("BBBC051 (Broad Bioimage Benchmark Collection)", "CC BY 3.0", ["ljosa2012"]),
    "organamnist": ORGAN_SOURCE,
    "organcmnist": ORGAN_SOURCE,
    "organsmnist": ORGAN_SOURCE,
}

flags_2d = [
    flag for flag, info in medmnist.INFO.items()
    if issubclass(getattr(medmnist, info["python_class"]), MedMNIST2D)
]
missing = sorted(set(flags_2d) - set(SOURCES))
if missing:
    raise KeyError(f"No source citation for the MedMNIST 2D flags {missing}. Add them to SOURCES.")

numbers = {key: number for number, key in enumerate(CITATIONS, start=1)}

print("| MedMNIST dataset | Task | Images | Source data | Source licence | MedMNIST licence | Cite |")
print("| --- | --- | ---: | --- | --- | --- | --- |")
for flag in flags_2d:
    info = medmnist.INFO[flag]
    source, source_licence, keys = SOURCES[flag]
    images = sum(info["n_samples"].values())
    cite = ", ".join(f"[{numbers[key]}]" for key in keys)
    print(
        f"| {info['python_class']} (`{flag}`) | {info['task']} | {images:,} | {source}"
        f" | {source_licence} | {info['license']} | {cite} |"
    )

print()
print(f"Flags, tasks, image counts and MedMNIST licences from `medmnist.INFO`, medmnist {medmnist.__version__}.")
print()
for key, (reference, link) in CITATIONS.items():
    print(f"{numbers[key]}. {reference} <{link}>")
