"""Moderation, a higher-order construct and mediation on the corporate reputation data.

Does switching cost (SC) weaken the satisfaction -> loyalty link? Is reputation (REP) a
higher-order construct of competence and likeability? Which routes carry the effect?

Run: python examples/moderation_mediation.py   (writes simple_slopes.png in the current folder)
"""

import warnings

import matplotlib

matplotlib.use("Agg")

import csimodel as cm  # noqa: E402

warnings.simplefilter("ignore", cm.CsimodelWarning)  # -99 answers are imputed (and recorded)
data = cm.datasets.load_corp_rep()
fit_args = dict(scale=(1, 7), missing_values=(-99,), missing="mean")

moderated = cm.PLS(interaction="two_stage").fit(
    """
    COMP =~ comp_1 + comp_2 + comp_3
    LIKE =~ like_1 + like_2 + like_3
    CUSA =~ cusa
    SC   =~ switch_1 + switch_2 + switch_3 + switch_4
    CUSL =~ cusl_1 + cusl_2 + cusl_3
    CUSA ~ COMP + LIKE
    CUSL ~ COMP + LIKE + CUSA + SC + CUSA:SC
    """,
    data,
    **fit_args,
)
boot = cm.bootstrap(moderated, n_boot=1000, random_state=1, progress=False)
print(boot.params.query("op == '~' and lhs == 'CUSL'").round(3).to_string())
slopes = cm.simple_slopes(moderated, predictor="CUSA", moderator="SC", boot=boot)
print(slopes.table.round(3).to_string())
slopes.plot().figure_.savefig("simple_slopes.png", dpi=120, bbox_inches="tight")

hoc = cm.PLS(higher_order="two_stage").fit(
    """
    COMP =~ comp_1 + comp_2 + comp_3
    LIKE =~ like_1 + like_2 + like_3
    CUSA =~ cusa
    CUSL =~ cusl_1 + cusl_2 + cusl_3
    REP  =~ COMP + LIKE
    CUSA ~ REP
    CUSL ~ REP + CUSA
    """,
    data,
    **fit_args,
)
print(hoc.loadings["REP"].round(3).to_string())
print(cm.indices(hoc).round(1).to_string())
med = cm.mediation(cm.bootstrap(hoc, n_boot=1000, random_state=1, progress=False))
print(med[["path", "estimate", "ci_lower", "ci_upper", "direct", "type"]].round(3).to_string())
print("simple slopes plot written to simple_slopes.png")
