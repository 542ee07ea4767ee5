"""Pan-sharpening fusion: colour frames and a deep frame into bands on the deep frame's grid."""

from ._classical import RULES, chroma_blur, lstar_rule, ratio_rule
from ._fuse import FluxScaling, complete_middle, fuse, lupton_display
from ._net import FEATURES, DetailNet, features
from ._operators import (bin_to, consistency_chi2, degrade, gaussian_blur, project_consistent,
                         upsample_to)

__all__ = ["fuse", "complete_middle", "lupton_display", "FluxScaling", "DetailNet", "FEATURES", "features",
           "ratio_rule", "lstar_rule", "chroma_blur", "RULES", "degrade", "gaussian_blur",
           "bin_to", "upsample_to", "project_consistent", "consistency_chi2"]
