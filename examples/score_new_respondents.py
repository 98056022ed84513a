"""Freeze a fitted model into a JSON scoring model, load it and score new respondents.

Run: python examples/score_new_respondents.py   (writes ecsi_model.json in the current folder)
"""

import csimodel as cm

wave1 = cm.datasets.load_ecsi_mobi()
res = cm.PLS().fit(cm.models.ecsi(), wave1, scale=(1, 10))
res.to_scoring_model().save("ecsi_model.json")

model = cm.load_model("ecsi_model.json")  # validated: schema, checksum, values
new = wave1.sample(10, random_state=0)  # stand-in for new respondents
scores = model.score(new)
print(scores.round(1))
print(model.indices(new).round(1))
