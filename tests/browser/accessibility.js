// The checks tests/browser/accessibility.py runs in the page: each returns a list of problems
// (focus: the focused element's problem, "" for none, or null when nothing has focus).
({
  structure() {
    const problems = [];
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    if (!document.documentElement.lang) problems.push("the page has no lang");
    const h1s = document.querySelectorAll("h1");
    if (h1s.length !== 1) problems.push(`${h1s.length} h1 headings`);
    let level = 0;
    document.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach((h) => {
      const next = Number(h.tagName[1]);
      if (level && next > level + 1) problems.push(`heading "${h.textContent.trim()}" skips a level`);
      level = next;
    });
    document.querySelectorAll("input, select, textarea").forEach((field) => {
      if (field.type === "hidden" || !visible(field)) return;
      const named = field.labels.length || field.getAttribute("aria-label")
        || field.getAttribute("aria-labelledby");
      if (!named) problems.push(`a ${field.tagName.toLowerCase()} named "${field.name}" has no label`);
    });
    document.querySelectorAll("button, a[href]").forEach((el) => {
      if (visible(el) && !el.textContent.trim() && !el.getAttribute("aria-label"))
        problems.push(`a ${el.tagName.toLowerCase()} has no text`);
    });
    document.querySelectorAll("svg").forEach((svg) => {
      if (svg.closest("[aria-hidden=true]")) return;
      const named = svg.getAttribute("aria-label") || svg.getAttribute("aria-labelledby")
        || svg.querySelector(":scope > title");
      if (svg.getAttribute("role") !== "img" || !named) problems.push("a chart has no name");
    });
    document.querySelectorAll("table").forEach((table) => {
      if (!table.caption && !table.getAttribute("aria-labelledby"))
        problems.push("a table has no caption");
    });
    return problems;
  },
  contrast() {
    const problems = [];
    const channel = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const parse = (text) => {
      const m = text.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
    };
    const luminance = (rgb) => 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]);
    const background = (el) => {
      for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
        const colour = parse(getComputedStyle(node).backgroundColor);
        if (colour && colour[3] > 0.5) return colour;
      }
      return [255, 255, 255, 1];
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    while (walker.nextNode()) {
      const text = walker.currentNode;
      const el = text.parentElement;
      if (!text.textContent.trim() || seen.has(el) || el.closest("svg, script, style, option")) continue;
      seen.add(el);
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (style.visibility === "hidden" || box.width <= 1 || box.height <= 1 || box.right < 0) continue;
      const fg = parse(style.color);
      const bg = background(el);
      const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5))
        problems.push(`"${text.textContent.trim().slice(0, 40)}" has contrast ${ratio.toFixed(2)}:1`);
    }
    return problems;
  },
  sideways() {
    const width = document.documentElement.clientWidth;
    const problems = [];
    if (document.documentElement.scrollWidth > width + 1) {
      document.querySelectorAll("body *").forEach((el) => {
        const box = el.getBoundingClientRect();
        if (box.right > width + 1 && !el.closest(".scrolls")) {
          problems.push(`<${el.tagName.toLowerCase()}> ends at ${Math.round(box.right)}px of ${width}`);
        }
      });
      if (!problems.length) problems.push(`the page is ${document.documentElement.scrollWidth}px wide`);
    }
    return problems.slice(0, 5);
  },
  focus() {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const shown = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
      || style.boxShadow !== "none";
    return shown ? "" : `${el.tagName.toLowerCase()} "${(el.textContent || el.name || "").trim().slice(0, 30)}"`;
  },
})
