"""A small hand-written term list for generating reports: each phrase with the ICD-O-3 code
it stands for. It only decides how a code is *written*; which sites, subsites, histologies
and behaviours exist comes from the SEER / ICD-O-3 tables, and training label vocabularies
come from the generated data."""

from __future__ import annotations

# topography subsite code -> phrases
SUBSITE_TERMS: dict[str, tuple[str, ...]] = {
    "C340": ("main bronchus", "mainstem bronchus"),
    "C341": ("upper lobe", "upper lobe of lung"),
    "C342": ("middle lobe",),
    "C343": ("lower lobe", "lower lobe of lung"),
    "C500": ("nipple", "areola"),
    "C502": ("upper inner quadrant",),
    "C504": ("upper outer quadrant",),
    "C505": ("lower outer quadrant",),
    "C180": ("cecum", "caecum"),
    "C182": ("ascending colon",),
    "C184": ("transverse colon",),
    "C186": ("descending colon",),
    "C187": ("sigmoid colon", "sigmoid"),
    "C209": ("rectum", "rectal"),
    "C160": ("cardia", "gastroesophageal junction"),
    "C163": ("antrum", "gastric antrum"),
    "C250": ("head of pancreas", "pancreatic head"),
    "C252": ("tail of pancreas",),
    "C619": ("prostate", "prostatic"),
    "C649": ("kidney", "renal"),
    "C739": ("thyroid", "thyroid gland"),
    "C569": ("ovary", "ovarian"),
    "C541": ("endometrium", "endometrial"),
    "C539": ("cervix", "uterine cervix"),
    "C679": ("bladder", "urinary bladder"),
    "C220": ("liver", "hepatic"),
    "C449": ("skin",),
    "C443": ("skin of face",),
    "C445": ("skin of trunk", "skin of back"),
    "C717": ("brain stem",),
    "C711": ("frontal lobe",),
    "C712": ("temporal lobe",),
    "C320": ("glottis", "vocal cord"),
    "C021": ("border of tongue", "lateral tongue"),
}

# histology code -> (phrases, topography major sites it is written for; empty = any)
HISTOLOGY_TERMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "8140": (("adenocarcinoma", "adenocarcinoma, nos"),
             ("C34", "C18", "C20", "C16", "C25", "C61", "C53", "C15")),
    "8070": (("squamous cell carcinoma", "keratinizing squamous cell carcinoma"),
             ("C34", "C53", "C32", "C02", "C15", "C44")),
    "8041": (("small cell carcinoma", "oat cell carcinoma"), ("C34",)),
    "8500": (("infiltrating duct carcinoma", "invasive ductal carcinoma"), ("C50",)),
    "8520": (("lobular carcinoma", "invasive lobular carcinoma"), ("C50",)),
    "8310": (("clear cell carcinoma", "clear cell renal cell carcinoma"), ("C64",)),
    "8260": (("papillary carcinoma", "papillary renal cell carcinoma"), ("C64", "C73")),
    "8340": (("papillary carcinoma, follicular variant",), ("C73",)),
    "8120": (("urothelial carcinoma", "transitional cell carcinoma"), ("C67",)),
    "8380": (("endometrioid adenocarcinoma", "endometrioid carcinoma"), ("C54", "C56")),
    "8441": (("serous carcinoma", "high grade serous carcinoma"), ("C56", "C54")),
    "8480": (("mucinous adenocarcinoma", "colloid carcinoma"), ("C18", "C20", "C56")),
    "8170": (("hepatocellular carcinoma", "liver cell carcinoma"), ("C22",)),
    "8720": (("malignant melanoma", "melanoma"), ("C44",)),
    "9440": (("glioblastoma", "glioblastoma multiforme"), ("C71",)),
    "9400": (("astrocytoma", "diffuse astrocytoma"), ("C71",)),
    "8550": (("acinar cell carcinoma",), ("C25",)),
    "8144": (("intestinal type adenocarcinoma",), ("C16",)),
}

# behaviour code -> phrases (only carcinomas, 801x-857x, are written as in situ)
BEHAVIOR_TERMS: dict[str, tuple[str, ...]] = {
    "2": ("in situ", "non-invasive", "intraepithelial"),
    "3": ("invasive", "infiltrating", ""),
}

# grade code -> phrases ("" = grade not stated)
GRADE_TERMS: dict[str, tuple[str, ...]] = {
    "1": ("well differentiated", "grade 1", "low grade"),
    "2": ("moderately differentiated", "grade 2"),
    "3": ("poorly differentiated", "grade 3", "high grade"),
    "4": ("undifferentiated", "anaplastic"),
    "9": ("",),
}

# laterality code -> phrases
LATERALITY_TERMS: dict[str, tuple[str, ...]] = {
    "1": ("right",),
    "2": ("left",),
    "9": ("",),
    "0": ("",),
}

PROCEDURES = ("biopsy", "resection", "excision", "core needle biopsy", "lobectomy specimen",
              "wide local excision", "partial resection")
FILLER = (
    "The specimen is received in formalin and labeled with the patient name.",
    "Sections show a neoplasm with the features described.",
    "Margins of resection are free of tumor.",
    "The closest margin is 0.4 cm.",
    "Lymphovascular invasion is not identified.",
    "Perineural invasion is present.",
    "Lymph nodes: 0 of 12 lymph nodes involved.",
    "Immunohistochemical stains were performed with appropriate controls.",
    "The tumor measures 2.3 cm in greatest dimension.",
    "Representative sections are submitted in cassettes A1 through A6.",
    "Clinical history: mass identified on imaging.",
    "Gross description: the specimen consists of a tan-pink soft tissue fragment.",
    "Frozen section diagnosis was confirmed on permanent sections.",
    "Synoptic report follows.",
)
