"""The rule catalogue, one module per family (the prefix of the rule codes; the ASG family
has two); importing this package registers every rule, each module explicitly. SCuBA ids are
those of CISA's M365 Secure Configuration Baseline for Entra ID, section MS.AAD.7 (highly
privileged access); CIS ids are the CIS Microsoft 365 Foundations Benchmark v4.0.0. A finding
carries a control id only when it violates exactly that control as the baseline words it."""

from pim_gitops.lint.rules import (  # noqa: F401  (each import registers its family's rules)
    activation,  # ACT
    approval,  # APR001, APR003
    approvers,  # APR002, APR004
    assignments,  # ASG001-ASG004
    lifecycle,  # ASG005-ASG009
    notifications,  # NTF
    structure,  # GEN
)
