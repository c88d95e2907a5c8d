"""pim-gitops: policy-as-code and a GitOps reconciler for Entra PIM.

Nothing heavy is imported here: ``pim-gitops --help`` and ``validate`` must start fast.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
