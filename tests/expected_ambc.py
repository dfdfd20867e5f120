"""The a/mBC seed text after the corrections in source/ambc/CORRECTIONS.md, in reading order.

Each entry is what a reader sees in the PDF: sentences with their citation superscripts in
AMA position (after periods and commas, before colons), table cells, and reference entries.
"""

BODY = [
    "Advanced/metastatic breast cancer (a/mBC)",
    "Advanced/metastatic breast cancer",
    "Also known as advanced, or Stage IV breast cancer,1,2 a/mBC is when the breast cancer has "
    "spread (metastasized) to other areas/organs of the body, such as the lungs, bones, liver "
    "and brain.1,2",
    "Tumors at distant sites other than the original cancer site (e.g. breast) are called metastases.1",
    "Estrogen and progesterone are hormones related to female and male characteristics.1",
    "Some tumors grow in response to these hormones by interacting with estrogen receptors (ERs) "
    "or progesterone receptors (PRs) in tumor cells.1",
    "Hormone receptor-positive (HR+) tumors",
    "Tumors with either or both hormone receptors, ER and PR, are known as hormone "
    "receptor-positive (HR+) tumors.1",
    "ER+ tumors can be either ER+ or ER+ and PR+.1",
    "Human epidermal growth factor receptor 2 (HER2) in a/mBC",
    "HER2 is another receptor present on all cells.1",
    "It is involved in normal cell growth, multiplication, and repair.1",
    "Around 20% of tumors have high levels of HER2 and are known as HER2-positive (HER2+) tumors.1",
    "Cancers with normal amounts of HER2 are known as HER2-negative (HER2-) tumors.1",
    "Types of a/mBC",
    "You might have heard about different types of a/mBC.",
    "These are classified according to the presence of HR and/or HER2 – each with outcome and "
    "treatment success predictive properties.1",
    "Types of a/mBC by hormone receptor (HR) and HER2 status",
    "Type HR/HER2 status",  # the column heads, printed once above the cards
    "Luminal A HR+/HER2-1",
    "Luminal B HR+/HER2- or HR+/HER2+1",
    "HER2-enriched HR+/HER2+ or HR-/HER2+3",
    "Triple-negative HR-/HER2-1",
    "Prevalence and outcomes",
    "Most breast cancers (~75%) are ER-positive.",
    "Luminal A tumors are ER-positive and Luminal B tumors are mostly ER-positive.1,4",
    "ER-positive tumors, relative to other breast cancer subtypes, are slow growing and tend to be "
    "less aggressive.3,5",
    "In contrast, HER2+ tumors grow faster and are more likely to spread than HER2- tumors.1",
    "Treatment of a/mBC",
    "The presence of biomarkers including hormone receptors (HR) and/or HER2 in a tumor is a major "
    "factor in determining the most effective treatment.1",
    "Systemic therapy is a treatment that enters the bloodstream and reaches the entire body.1",
    "Sometimes, it is also combined with radiotherapy.1",
    "Endocrine (hormonal/anti-hormonal) therapy for ER+/HER2- a/mBC",
    "In ER+ breast cancer, estrogen causes over-stimulation of the pathways involved in the growth "
    "and multiplication of breast cancer cells (abnormal ER signaling).4",
    "Inhibiting estrogen signaling may slow the growth of cancer cells.4",
    "For most patients with ER+/HER2- a/mBC, the initial therapy is typically endocrine therapy, "
    "which aims to reduce the effects of estrogen by either blocking ERs on breast cells, reducing "
    "the number of ERs, or reducing the production of estrogen.1",
    "It is taken alone or in combination with an additional treatment known as a CDK4/6 inhibitor.1",
    "Endocrine therapy for ER+/HER2- a/mBC",
    "Endocrine (hormone) therapies aim to reduce the effects of estrogen by blocking the ER or "
    "limiting the levels of estrogen in the blood, e.g.1:",
    "Selective Estrogen Receptor Modulators (SERMs) block ER signaling in the breast",
    "Selective Estrogen Receptor Degraders (SERDs), such as fulvestrant, block the ER and also "
    "reduce the number of ERs in the cell",
    "Aromatase Inhibitors (AIs), such as anastrozole, letrozole and exemestane, reduce the "
    "production of estrogen in tissues and organs beyond the ovaries",
    "Cyclin-dependent kinase 4 and 6 (CDK4/6) inhibitors are a type of targeted therapy.1",
    "Targeted therapies block specific signaling pathways in cancer cells, in this case CDK 4 and 6 "
    "proteins, that help them grow.1",
]

# Term and expansion, in the printed (sorted) order.
ABBREVIATIONS = [
    ("a/mBC", "advanced/metastatic breast cancer"),
    ("AI", "aromatase inhibitor"),
    ("CDK4/6", "cyclin-dependent kinase 4 and 6"),
    ("ER", "estrogen receptor"),
    ("HER2", "human epidermal growth factor receptor 2"),
    ("HR", "hormone receptor"),
    ("PR", "progesterone receptor"),
    ("SERD", "selective estrogen receptor degrader"),
    ("SERM", "selective estrogen receptor modulator"),
]

REFERENCES = [
    "ESMO. Breast Cancer: A guide for patients. Accessed October 2025. "
    "https://www.esmo.org/content/download/6593/114959/1/EN-Breast-Cancer-Guide-for-Patients.pdf",
    "Johns Hopkins Medicine. Health: Conditions and diseases: metastatic breast cancer. Accessed "
    "October 2025. https://www.hopkinsmedicine.org/health/conditions-and-diseases/breast-cancer/"
    "metastatic-breast-cancer",
    "BreastCancer.org. Molecular subtypes of breast cancer. Accessed October 2025. "
    "https://www.breastcancer.org/types/molecular-subtypes",
    "Miziak P, et al. Cancers (Basel). 2023;15(19):4689.",
    "American Cancer Society. Breast cancer. Breast Cancer Hormone Receptor Status. Accessed October "
    "2025. https://www.cancer.org/cancer/types/breast-cancer/understanding-a-breast-cancer-diagnosis/"
    "breast-cancer-hormone-receptor-status.html",
]

URLS = [entry.rsplit(" ", 1)[1] for entry in REFERENCES if "https://" in entry]

FURTHER_READING = [
    "Referenced with permission from the NCCN Clinical Practice Guidelines in Oncology (NCCN "
    "Guidelines®) for Breast Cancer Version 1.2026. ©National Comprehensive Cancer Network, Inc. "
    "2025. All rights reserved. Accessed February 2026. To view the most recent and complete version "
    "of the guideline, visit NCCN.org. NCCN makes no warranties of any kind whatsoever regarding "
    "their content, use or application and disclaims any responsibility for their application or "
    "use in any way.",
]
