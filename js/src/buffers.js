// Arrays cross from Python as `{view, dtype, shape}`; `view` is a DataView (live widget),
// an ArrayBuffer or typed array (exports), or a plain list (tests). Never JSON number lists
// on the wire.
const TYPES = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array };

/** Decode one `_arrays` entry into a typed array (a view on the same memory, no copy). */
export function decodeArray(entry) {
  if (!entry) return null;
  const Type = TYPES[entry.dtype] || Float32Array;
  const v = entry.view;
  if (v instanceof Type) return v;
  if (ArrayBuffer.isView(v)) {
    return new Type(v.buffer, v.byteOffset, v.byteLength / Type.BYTES_PER_ELEMENT);
  }
  if (v instanceof ArrayBuffer) return new Type(v);
  if (Array.isArray(v)) return Type.from(v);
  return new Type(0);
}

/** Row `i` of a 2-D (or higher) entry, as a typed sub-array. */
export function row(entry, i) {
  const flat = decodeArray(entry);
  if (!flat || !entry.shape || entry.shape.length < 2) return flat;
  const width = entry.shape.slice(1).reduce((a, b) => a * b, 1);
  return flat.subarray(i * width, (i + 1) * width);
}
