"""Does the ECSI model predict new customers? PLSpredict, CVPAT, blindfolding, model
selection, and predicted loyalty for new respondents from a saved model.

Run: python examples/predict_loyalty.py   (writes prediction_errors.png and model.json)
"""

import matplotlib

matplotlib.use("Agg")

import csimodel as cm

data = cm.datasets.load_ecsi_mobi()
res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))

# 1. PLSpredict: 10 folds x 10 repetitions (100 training fits in one batched engine call)
pp = cm.predict_pls(res, folds=10, repeats=10, random_state=1)
print(pp.summary())
pp.plot().figure_.savefig("prediction_errors.png", dpi=90)

# 2. CVPAT: does the model beat the indicator averages and the linear model?
for bench in ("ia", "lm"):
    cv = cm.cvpat(res, benchmark=bench, random_state=1)
    row = cv.table.loc["overall"]
    print(f"CVPAT vs {bench}: diff {row['diff']:.3f}, t {row['t']:.2f}, p {row['p']:.4f}")

# ... and a competing model without the direct path Image -> Loyalty
alt = cm.PLS().fit(
    cm.models.ecsi().syntax.replace("Loyalty ~ Image + ", "Loyalty ~ "), data, scale=(1, 10)
)
print(cm.cvpat(res, alt, random_state=1).table.loc[["Loyalty"]].round(3))

# 3. Blindfolding Q² and information criteria
print(cm.blindfolding(res, omission_distance=7)[["q2", "q2_communality"]].round(3))
print(cm.assess(res).model_selection[["bic", "gm"]].round(2))

# 4. Predicted loyalty of new respondents from their image items, from a saved model
res.to_scoring_model().save("model.json")
sm = cm.load_model("model.json")
new = data.sample(5, random_state=3)[[f"IMAG{i}" for i in range(1, 6)]]
print(sm.predict(new)[["Satisfaction", "Loyalty"]].round(3))
print(sm.predict(new, output="items")[["CUSL1", "CUSL2", "CUSL3"]].round(2))
