/**
 * HTML built so that text can only ever be text: the `markup` template escapes every value it
 * is given unless that value is itself `Html` (made by `markup`). This is the one place text becomes
 * markup; nothing else escapes, and nothing else concatenates markup with data.
 */

/** Markup made by `markup`: inserted as it is into other `markup`. */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

/** What `markup` accepts between its pieces: text (escaped), numbers, markup, lists, nothing. */
export type HtmlValue = string | number | Html | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for an element's content and for a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function valueText(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Html) return value.text;
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return escapeHtml(value);
  let text = "";
  for (const item of value) text += valueText(item);
  return text;
}

/**
 * A template of markup whose values are escaped (see the module comment). Not named `html`:
 * `deno fmt` would reformat templates of that name as HTML, whitespace and all.
 */
export function markup(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += valueText(values[i]) + strings[i + 1];
  return new Html(text);
}
