// A tiny, safe subset of CommonMark for card details: paragraphs, "- " lists, "> " quotes,
// headings, **bold**, *italic*, `code` and [links](https://...). Everything is HTML-escaped
// first, so a card can never inject markup; only http(s) links become anchors.

export function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function inline(escaped) {
  return escaped
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>")
    .replace(
      /\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g,
      '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>',
    );
}

export function renderMarkdown(source) {
  const lines = escapeHtml(source || "").split(/\r?\n/);
  const out = [];
  let list = null;
  let quote = null;
  let para = [];
  const flush = () => {
    if (para.length) out.push(`<p>${inline(para.join("<br>"))}</p>`);
    para = [];
    if (list) out.push(`<ul>${list.map((i) => `<li>${inline(i)}</li>`).join("")}</ul>`);
    list = null;
    if (quote) out.push(`<blockquote>${inline(quote.join("<br>"))}</blockquote>`);
    quote = null;
  };
  for (const line of lines) {
    const item = line.match(/^\s*[-*] (.*)$/);
    // "> " was escaped to "&gt; " above.
    const quoted = line.match(/^\s*&gt; ?(.*)$/);
    const heading = line.match(/^(#{1,6}) (.*)$/);
    if (!line.trim()) {
      flush();
    } else if (item) {
      if (!list) flush();
      list = list || [];
      list.push(item[1]);
    } else if (quoted) {
      if (!quote) flush();
      quote = quote || [];
      quote.push(quoted[1]);
    } else if (heading) {
      flush();
      out.push(`<h4>${inline(heading[2])}</h4>`);
    } else if (list && /^\s+/.test(line)) {
      list[list.length - 1] += " " + line.trim();
    } else {
      if (list || quote) flush();
      para.push(line);
    }
  }
  flush();
  return out.join("");
}
