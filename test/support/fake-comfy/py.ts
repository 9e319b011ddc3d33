/**
 * Python renderings the real server puts in its answers: `repr()` of strings and lists (in
 * validation messages) and `json.dumps()` (the `prompt` text chunk of saved PNGs: ", " and ": "
 * separators, non-ASCII escaped, floats written with a decimal point).
 */

export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return value;
  return pyRepr(value);
}

export function pyRepr(value: unknown): string {
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value
      .replaceAll("\\", "\\\\")
      .replaceAll("\n", "\\n")
      .replaceAll("\r", "\\r")
      .replaceAll("\t", "\\t")
      .replaceAll(quote, `\\${quote}`);
    return `${quote}${body}${quote}`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(", ")}}`;
  }
  return pyStr(value);
}

/** Python's repr of a float: always a decimal point or an exponent. */
export function pyFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  if (Math.abs(value) >= 1e16) return value.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  if (Number.isInteger(value)) return value.toFixed(1);
  return String(value).replace(/e([+-])(\d)$/, "e$10$2");
}

function pyJsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (code < 0x20 || code > 0x7e) {
      if (code === 0x7f) out += ch;
      else for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * `json.dumps(value)`. `isFloat(path)` says which numbers were Python floats (inputs coerced
 * to FLOAT), which Python writes as `1.0` where JSON.stringify writes `1`.
 */
export function pyJsonDumps(value: unknown, isFloat: (path: readonly string[]) => boolean = () => false, path: string[] = []): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return isFloat(path) ? pyFloat(value) : Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === "string") return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map((v, i) => pyJsonDumps(v, isFloat, [...path, String(i)])).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${pyJsonString(k)}: ${pyJsonDumps(v, isFloat, [...path, k])}`).join(", ")}}`;
}
