"""The rule catalogue, one module per family (the prefix of the rule codes; the ASG family
has four modules, GEN four); importing this package registers every rule, each module
explicitly. SCuBA ids are those of CISA's M365 Secure Configuration Baseline for Entra ID,
section MS.AAD.7 (highly privileged access), v1 ids; CIS ids are the CIS Microsoft 365
Foundations Benchmark's, v5.0.0 numbering (unchanged in v6.0.x). A finding carries a control id
only when it violates exactly that control as the baseline words it; ``lint/references.py``
holds the texts."""

from pim_gitops.lint.rules import (  # noqa: F401  (each import registers its family's rules)
    activation,  # ACT
    alerts,  # ALR
    approval,  # APR001, APR003
    approvers,  # APR002, APR004
    assignments,  # ASG001, ASG004
    baselined,  # GEN006
    breakglass,  # GEN001
    ga_count,  # ASG002, ASG003, ASG010
    guests,  # ASG011
    history,  # HIS
    inherited,  # GEN008
    lifecycle,  # ASG005-ASG009
    notifications,  # NTF
    review_people,  # REV002, REV003, REV006
    review_posture,  # REV005
    reviews,  # REV001, REV004
    structure,  # GEN002, GEN003, GEN004, GEN005
)
