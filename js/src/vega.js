// The chart renderer, bundled on its own (about 0.9 MB) and loaded only by chart views.
export { default as embed } from "vega-embed";
