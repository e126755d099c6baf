"""Tree ensembles read by their trees: XGBoost, LightGBM and CatBoost readers, the
interventional Tree SHAP kernel for many rows, the libraries' own path-dependent values."""
