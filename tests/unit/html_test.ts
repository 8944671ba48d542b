/** src/cli/html.ts: the one place text becomes HTML. */
import { assertEquals } from "../_assert.ts";
import { escapeHtml, Html, markup } from "../../src/cli/html.ts";

Deno.test("html: text is escaped for content and quoted attributes alike", () => {
  assertEquals(
    escapeHtml(`<script>alert("x" & 'y')</script>`),
    "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;",
  );
  const hostile = `"><img src=x onerror=alert(1)>`;
  assertEquals(
    markup`<a title="${hostile}">${hostile}</a>`.text,
    `<a title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</a>`,
  );
});

Deno.test("html: markup made by markup is kept, once; lists are joined; nothing is nothing", () => {
  const inner = markup`<b>${"a<b"}</b>`;
  assertEquals(markup`<p>${inner}</p>`.text, "<p><b>a&lt;b</b></p>");
  assertEquals(markup`${["<", inner, 3]}`.text, "&lt;<b>a&lt;b</b>3");
  assertEquals(markup`[${null}${undefined}${false}]`.text, "[]");
  assertEquals(markup`${0}`.text, "0");
  // Only Html is trusted: a string that looks like markup is still text.
  assertEquals(markup`${"<b>x</b>"}`.text, "&lt;b&gt;x&lt;/b&gt;");
  assertEquals(String(new Html("<br>")), "<br>");
});
