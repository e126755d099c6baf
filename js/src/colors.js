// One diverging palette for every view: blue pushes the output down, red pushes it up.
export const NEG = [33, 102, 172];
export const POS = [178, 24, 43];
export const NEG_HEX = "#2166ac";
export const POS_HEX = "#b2182b";
// Lighter ends for dark backgrounds, still distinguishable by colour-blind readers.
export const NEG_HEX_DARK = "#6baed6";
export const POS_HEX_DARK = "#f4766b";

export function signColours(dark) {
  return dark ? [NEG_HEX_DARK, POS_HEX_DARK] : [NEG_HEX, POS_HEX];
}
