"""# Text

A text's tokens are coloured on exactly its original characters: red pushed the
prediction toward the class shown, blue away from it. Any model that takes a list of
strings works (a scikit-learn pipeline, a function, a Hugging Face model with its
tokenizer or a `pipeline`).
"""

# %%
# A sentiment classifier on TF-IDF features, trained on sentences with planted cues.
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import limelight as ll

rng = np.random.default_rng(0)
filler = "the a film plot acting story music it was and but of very quite".split()
docs, labels = [], []
for i in range(300):
    words = list(rng.choice(filler, size=10))
    cue = rng.choice(["superb", "moving"] if i % 2 else ["dreadful", "tedious"])
    words.insert(int(rng.integers(0, 10)), cue)
    docs.append(" ".join(words))
    labels.append(i % 2)
model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, labels)

# %%
# Sampled Shapley values over the tokens (`"auto"`: Leverage SHAP above a few tokens).
text = "The plot was thin and a bit tedious,\nbut the acting was superb."
ll.explain(model, text, random_state=0)

# %%
# Every method returns the same `Explanation`: occlusion (`f(text) − f(text without the
# token)`), sampled Shapley values, hierarchical Shapley (halves of a long document),
# LIME.
for method in ["occlusion", "shapley", "hierarchical", "lime"]:
    e = ll.attribute(model, text, method=method, budget=400, random_state=0)
    top = np.argsort(-np.abs(e.values[1]))[:3]
    print(f"{method:13s}", [(e.feature_names[i], round(float(e.values[1, i]), 3)) for i in top])

# %%
# A Hugging Face model is explained the same way, by integrated gradients through its
# embeddings (needs `pip install 'limelight[hf]'` and a model on disk; not run here):
#
# ```python
# from transformers import AutoModelForSequenceClassification, AutoTokenizer
# tok = AutoTokenizer.from_pretrained(path)
# net = AutoModelForSequenceClassification.from_pretrained(path)
# ll.explain(net, "A dull start, then superb.", tokenizer=tok)
# ```
