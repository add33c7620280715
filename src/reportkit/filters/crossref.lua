--[[
reportkit crossref filter: numbers and lays out what Quarto numbers, in Quarto's order and words,
and turns references into Quarto's markup for HTML and Typst. Word and JATS get what Quarto's docx
and jats formats show: captions "Figure 1: ..." (Word: a paragraph in pandoc's caption styles, above
tables and below figures, the float's id a bookmark; JATS: <fig> with <caption>), level-1 headings
"1. Title" and deeper ones "1.1 Title" when sections are numbered, references as links to the ids;
a layout of cells (layout-ncol, layout), which Quarto lays out in a Word table, is refused there.
Runs before --citeproc, so the citations left in the document are bibliographic only.

What is numbered (kind = the label's prefix):
  floats      fig, tbl, lst: images/figures, tables, code blocks or `::: {#fig-x}` divs with a caption;
              a labelled float inside a float div is a subfloat, lettered (a), (b) inside its parent;
              `layout-ncol`, `layout-nrow` and `layout` arrange a div's cells in rows (both formats)
  theorems    thm lem cor prp cnj def exm exr (bold run-in title), sol rem (italic, like .proof)
  callouts    nte tip wrn imp cau (the callout's title becomes "Note 1: title")
  equations   $$ ... $$ {#eq-x}
  sections    every heading is counted, numbered or not, as Quarto's crossref does (a document
              whose top level is ## numbers it 1, 2, ...); HTML shows numbers only with number-sections
  custom      Quarto's custom float kinds (crossref: custom: [{kind: float, key, reference-prefix,
              caption-prefix, space-before-numbering, caption-location}]): "Table S1" with
              space-before-numbering: false
Words come from the document's language (reportkit-filters.words, from Quarto's language files)
and the `crossref:` options (<kind>-title, <kind>-prefix, <kind>-labels, subref-labels,
title-delim, ref-hyperlink). Reference forms: @fig-x, @Fig-x, [-@fig-x], [See @fig-x],
[@fig-a; @fig-b]. References to floats of the project's other documents are resolved before this
filter runs, by elsewhere.lua.

Problems (unresolved references, duplicate labels, unknown citation keys) are pandoc
warnings whose message is a JSON object {rule, subject, message} (reportkit/protocol.py);
the Python side reads them from pandoc's --log and maps each subject to file and line.

Outline (a preview's quick page, reportkit/quick.py): with reportkit-filters.outline-write, the filter
writes what it numbered as JSON (every entry, the labels and cited keys of this document in order, the
ids); with outline-read, a part of a document (one included chapter) is numbered as in the whole
document whose outline that is.
]]

local NBSP = "\u{a0}"
local FLOAT_CAPTION = { fig = "bottom", tbl = "top", lst = "top" }
local THEOREM = { thm = true, lem = true, cor = true, prp = true, cnj = true, def = true, exm = true, exr = true }
local PROOF_LIKE = { sol = "solution", rem = "remark" }
local CALLOUT = { nte = "note", tip = "tip", wrn = "warning", imp = "important", cau = "caution" }

local words = {}          -- kind -> word in the document's language (from Python)
local options = {}        -- crossref: options, as strings
local entries = {}        -- id -> { kind, number (string), parent (id), sub (string) }
local counters = {}
local number_sections = false
local shift_headings = 0  -- Typst: -1 when the document has no level-1 heading (as Quarto)
local doc_dir = ""        -- main document folder, relative to the project root (Typst root; hex-encoded in the settings)
local cap_location = {}   -- float kind -> "top" | "bottom"
local CUSTOM = {}         -- custom float kind -> { prefix, title, space (false: "Table S1") }
local options_margin_citations = false
local checking = false    -- `report check`'s pass: report, transform nothing (check_only)

local function is_typst() return FORMAT:match("typst") ~= nil end
local function is_html() return FORMAT:match("html") ~= nil end
local function is_docx() return FORMAT:match("docx") ~= nil end
local function is_jats() return FORMAT:match("jats") ~= nil end

local function problem(rule, subject, message)
  pandoc.log.warn(pandoc.json.encode({ rule = rule, subject = subject, message = message }))
end

local function kind_of(id)
  local prefix = id and id:match("^(%a+)%-")
  if not prefix then return nil end
  prefix = prefix:lower()
  if FLOAT_CAPTION[prefix] or THEOREM[prefix] or PROOF_LIKE[prefix] or CALLOUT[prefix]
    or prefix == "sec" or prefix == "eq" then
    return prefix
  end
  return nil
end

local function option(key, default)
  local value = options[key]
  if value == nil then return default end
  return value
end

local function title_of(kind)
  if CUSTOM[kind] then return CUSTOM[kind].title end
  return option(kind .. "-title", words[kind] or kind)
end
local function prefix_of(kind)
  if CUSTOM[kind] then return CUSTOM[kind].prefix end
  return option(kind .. "-prefix", words[kind] or kind)
end

-- A title or prefix and a number as a reader sees them: "Figure 3" (no-break space between), or
-- "Table S3" for a custom kind declared with space-before-numbering: false.
local function with_number(kind, words_before, number)
  if CUSTOM[kind] and CUSTOM[kind].space == false then return words_before .. number end
  return words_before .. NBSP .. number
end

-- Typst prints a figure's supplement, a space and its number. A prefix set directly before the number
-- ("Table S" + "3") is split: its last word goes into the number ("S3").
local function typst_title(kind, number)
  local title = title_of(kind)
  if not (CUSTOM[kind] and CUSTOM[kind].space == false) then return title, number end
  local head, tail = title:match("^(.-)%s*(%S+)$")
  return head or "", (tail or "") .. number
end

local function label_of(id) return id:sub(1, 1):lower() .. id:sub(2) end  -- @Fig-x refers to #fig-x
local function delimiter() return option("title-delim", ":") end

-- "arabic", "roman", "roman i", "alpha a", "alpha A" (Quarto's *-labels options)
local function label_text(n, spec)
  local style, start = (spec or "arabic"):match("^(%a+)%s*(.-)%s*$")
  if style == "roman" then
    local roman = pandoc.utils.to_roman_numeral(n)
    return start == "i" and roman:lower() or roman
  elseif style == "alpha" then
    start = start ~= "" and start or "a"
    return utf8.char(utf8.codepoint(start) + n - 1)
  end
  return tostring(n)
end

local function capitalise(s) return (s:gsub("^%l", string.upper)) end

---------------------------------------------------------------------------------------
-- Equations: $$ ... $$ {#eq-x alt="..."} arrives as Math followed by attribute text.
---------------------------------------------------------------------------------------
local function attribute_text(inlines, from)
  local parts = {}
  for i = from, #inlines do
    local el = inlines[i]
    if el.tag == "Str" then parts[#parts + 1] = el.text
    elseif el.tag == "Space" or el.tag == "SoftBreak" then parts[#parts + 1] = " "
    elseif el.tag == "Quoted" then
      local q = el.quotetype == "DoubleQuote" and '"' or "'"
      parts[#parts + 1] = q .. pandoc.utils.stringify(el.content) .. q
    else return nil end
    local text = table.concat(parts)
    if text:match("^%s*{#eq%-") and text:match("}$") then return text, i end
    if not text:match("^%s*{") and not text:match("^%s*$") then return nil end
  end
  return nil
end

-- Equations in an inline list: { index of the Math, index of the attribute's last inline, label, alt }
local function equations_in(inlines)
  local found = {}
  for i, el in ipairs(inlines) do
    if el.tag == "Math" and el.mathtype == "DisplayMath" then
      local text, last = attribute_text(inlines, i + 1)
      if text then
        local label = text:match("{#(eq%-[^%s}]+)")
        local alt = text:match('alt%s*=%s*"(.-)"%s*}?$') or text:match("alt%s*=%s*'(.-)'%s*}?$")
        found[#found + 1] = { math = i, last = last, label = label, alt = alt }
      end
    end
  end
  return found
end

---------------------------------------------------------------------------------------
-- Pass 1: number everything in document order.
---------------------------------------------------------------------------------------
local sections = {}
local has_level_one = false

local function count(kind)
  counters[kind] = (counters[kind] or 0) + 1
  return counters[kind]
end

local labels = {}  -- this document's labels (headings with an id too), in document order: the outline's

local function register(id, entry)
  if entries[id] then problem("xref.duplicate", "#" .. id, "duplicate label #" .. id) return false end
  entries[id] = entry
  labels[#labels + 1] = id
  return true
end

local function number_header(h)
  if h.level == 1 then has_level_one = true end
  if h.classes:includes("unnumbered") then return end
  local level = math.min(h.level, 7)
  for l = level + 1, 7 do sections[l] = 0 end
  sections[level] = (sections[level] or 0) + 1
  if h.identifier ~= "" and not entries[h.identifier] then
    entries[h.identifier] = { kind = "sec", levels = { table.unpack(sections, 1, 7) }, level = level }
    labels[#labels + 1] = h.identifier
  end
end

-- Quarto's section number: level 1 only when the document has level-1 headings
local function section_number(entry)
  local parts = {}
  local first = has_level_one and 1 or 2
  local last = first
  for l = entry.level, first, -1 do if (entry.levels[l] or 0) > 0 then last = l break end end
  for l = first, last do parts[#parts + 1] = tostring(entry.levels[l] or 0) end
  return table.concat(parts, ".")
end

local scan_blocks

local function float_entry(id, kind, parent)
  if parent then
    local p = entries[parent]
    p.subcount = (p.subcount or 0) + 1
    return { kind = kind, parent = parent, sub = label_text(p.subcount, option("subref-labels", "alpha a")) }
  end
  return { kind = kind, number = label_text(count(kind), option(kind .. "-labels", "arabic")) }
end

local without_display_math = false  -- known before pass 1 (a check): no paragraph need be searched for equations

local function scan_inlines(inlines)
  if without_display_math then return end
  for _, eq in ipairs(equations_in(inlines)) do
    if eq.label then register(eq.label, { kind = "eq", number = label_text(count("eq"), option("eq-labels", "arabic")) }) end
  end
end

local function callout_class(div)
  for _, class in ipairs(div.classes) do
    if class:match("^callout%-%a+$") then return class end
  end
  return nil
end

local function scan_block(b, parent)
  local tag = b.tag
  if tag == "Header" then number_header(b)
  elseif tag == "Figure" or tag == "Table" or tag == "CodeBlock" then
    local kind = kind_of(b.identifier)
    if kind and FLOAT_CAPTION[kind] then register(b.identifier, float_entry(b.identifier, kind, parent)) end
  elseif tag == "Div" then
    local id, kind = b.identifier, kind_of(b.identifier)
    if kind and FLOAT_CAPTION[kind] then
      if register(id, float_entry(id, kind, parent)) then scan_blocks(b.content, id) end
      return
    end
    local content = b.content
    if kind and (THEOREM[kind] or PROOF_LIKE[kind]) or callout_class(b) or b.classes:includes("proof") then
      -- a leading heading is the block's name or title, not a section
      if #content > 0 and content[1].tag == "Header" then content = pandoc.List({ table.unpack(content, 2) }) end
      if kind and (THEOREM[kind] or PROOF_LIKE[kind] or (CALLOUT[kind] and callout_class(b))) then
        register(id, { kind = kind, number = label_text(count(kind), option(kind .. "-labels", "arabic")) })
      end
    end
    scan_blocks(content, parent)
  elseif tag == "Para" or tag == "Plain" then scan_inlines(b.content)
  elseif tag == "BlockQuote" then scan_blocks(b.content, parent)
  elseif tag == "BulletList" or tag == "OrderedList" then
    for _, item in ipairs(b.content) do scan_blocks(item, parent) end
  elseif tag == "DefinitionList" then
    for _, item in ipairs(b.content) do for _, def in ipairs(item[2]) do scan_blocks(def, parent) end end
  end
end

scan_blocks = function(blocks, parent)
  for _, b in ipairs(blocks) do scan_block(b, parent) end
end

---------------------------------------------------------------------------------------
-- What a reference and a caption say.
---------------------------------------------------------------------------------------
local function number_of(id)
  local entry = entries[id]
  if entry.kind == "sec" then return section_number(entry) end
  if entry.parent then
    return entries[entry.parent].number .. " (" .. entry.sub .. ")"
  end
  return entry.number
end

-- "Figure 1:" followed by a space, as inlines (title-delim may be any text)
local function caption_label(kind, id)
  return pandoc.Inlines({ pandoc.Str(with_number(kind, title_of(kind), entries[id].number) .. delimiter()), pandoc.Space() })
end

---------------------------------------------------------------------------------------
-- Pass 2: references.
---------------------------------------------------------------------------------------
local function typst_escape(s) return (s:gsub("\\", "\\\\"):gsub('"', '\\"')) end

local function reference(citation)
  local id = citation.id
  local kind = kind_of(id)
  local key = label_of(id)
  if not kind or not entries[key] or entries[key].kind ~= kind then
    problem("xref.unresolved", "@" .. id, "unresolved cross-reference @" .. id)
    return pandoc.Inlines({ pandoc.Strong({ pandoc.Str("?@" .. id) }) })
  end
  local text = pandoc.Inlines({})
  if #citation.prefix > 0 then
    text:extend(citation.prefix)
    text:insert(pandoc.Str(NBSP))
    text:insert(pandoc.Str(number_of(key)))
  elseif citation.mode ~= "SuppressAuthor" then
    local prefix = prefix_of(kind)
    if id:match("^%u") then prefix = capitalise(prefix) end
    text:insert(pandoc.Str(with_number(kind, prefix, number_of(key))))
  else
    text:insert(pandoc.Str(number_of(key)))
  end
  if option("ref-hyperlink", "true") == "false" then return text end
  if is_typst() then
    local out = pandoc.Inlines({ pandoc.RawInline("typst", "#link(<" .. key .. ">)[") })
    out:extend(text)
    out:insert(pandoc.RawInline("typst", "]"))
    return out
  end
  return pandoc.Inlines({ pandoc.Link(text, "#" .. key, "", pandoc.Attr("", { "quarto-xref" })) })
end

-- Bibliography keys: those the Python side read once (reportkit-filters.citation-keys, see
-- bibliography.py), else pandoc.utils.references (which parses the bibliography and `references`),
-- looked up at the first bibliographic citation; an unknown key is a problem (citeproc would print "(key?)").
local document, known_keys, given_keys
local margin_citations_reported = false
local cited, cited_seen = {}, {}  -- bibliographic keys cited, in order of first citation (the outline's)
local function check_citation(c)
  if not cited_seen[c.id] then cited_seen[c.id] = true cited[#cited + 1] = c.id end
  if options_margin_citations and not margin_citations_reported then
    margin_citations_reported = true
    problem("unsupported.citation-location", "@" .. c.id, "citation-location: margin (citations in the margin)")
  end
  if not known_keys then
    known_keys = {}
    if given_keys then
      for _, key in ipairs(given_keys) do known_keys[pandoc.utils.stringify(key)] = true end
    else
      for _, ref in ipairs(pandoc.utils.references(document)) do known_keys[ref.id] = true end
    end
  end
  if not known_keys[c.id] then
    problem("citation.unknown", "@" .. c.id, "citation key @" .. c.id .. " is not in the bibliography")
  end
end

local function resolve_cite(cite)
  local refs, others = pandoc.List(), pandoc.List()
  for _, c in ipairs(cite.citations) do
    if kind_of(c.id) then refs:insert(c) else others:insert(c) check_citation(c) end
  end
  if #refs == 0 then return nil end
  local out = pandoc.Inlines({})
  for i, c in ipairs(refs) do
    if i > 1 then out:insert(pandoc.Str(",")) out:insert(pandoc.Space()) end
    out:extend(reference(c))
  end
  if #others > 0 then
    for _, c in ipairs(others) do if c.mode == "AuthorInText" then c.mode = "NormalCitation" end end
    out:insert(pandoc.Space())
    out:insert(pandoc.Cite({}, others))
  end
  return out
end

-- Display equations with a label, inside any paragraph.
local function equation_inline(math, label, alt)
  local n = entries[label].number
  if is_typst() then
    local body = pandoc.write(pandoc.Pandoc({ pandoc.Plain({ pandoc.Math("InlineMath", math.text) }) }), "typst")
    local alt_arg = alt and string.format('alt: "%s", ', typst_escape(alt)) or ""
    return pandoc.RawInline("typst", string.format('#math.equation(block: true, numbering: _ => "(%s)", %s%s)<%s>',
      n, alt_arg, (body:gsub("%s+$", "")), label))
  end
  local attrs = alt and { { "aria-label", alt } } or {}
  return pandoc.Span({ pandoc.Math("DisplayMath", math.text .. " \\qquad(" .. n .. ")") },
    pandoc.Attr(label, { "quarto-eq" }, attrs))
end

local function resolve_equations(inlines)
  local found = equations_in(inlines)
  if #found == 0 then return nil end
  local out, i, f = pandoc.Inlines({}), 1, 1
  while i <= #inlines do
    local eq = found[f]
    if eq and i == eq.math then
      if eq.label and entries[eq.label] then out:insert(equation_inline(inlines[i], eq.label, eq.alt))
      else out:insert(inlines[i]) end
      i, f = eq.last + 1, f + 1
    else
      out:insert(inlines[i])
      i = i + 1
    end
  end
  return out
end

---------------------------------------------------------------------------------------
-- Pass 3: floats, layouts, theorems, callout titles, headings.
---------------------------------------------------------------------------------------
-- A data: URI image, for Typst (which reads files only): written beside the .typ, named by its content.
local function data_uri_file(src)
  local ok, mime, contents = pcall(pandoc.mediabag.fetch, src)
  if not ok or not contents then return src end
  local ext = (mime or ""):match("/([%w]+)") or "bin"
  if ext == "svg" or (mime or ""):match("svg") then ext = "svg" end
  local out_dir = pandoc.path.directory(PANDOC_STATE.output_file or ".")
  local name = "media-" .. pandoc.utils.sha1(contents) .. "." .. ext
  local file = io.open(pandoc.path.join({ out_dir, name }), "wb")
  if not file then return src end
  file:write(contents)
  file:close()
  return name  -- relative to the .typ file
end

local function root_relative(src)
  if src:match("^%a[%w+.-]*:") or src:sub(1, 1) == "/" then return src end
  if doc_dir == "" then return "/" .. src end
  return "/" .. doc_dir .. "/" .. src
end

-- pandoc's Typst writer wraps every table in #figure(..., kind: table); unwrap it.
local function typst_table(tbl)
  local out = pandoc.write(pandoc.Pandoc({ tbl }), "typst")
  local inner = out:match("^%s*#figure%(%s*(.-)%s*,%s*kind:%s*table%s*%)%s*$")
  return pandoc.RawBlock("typst", inner and ("#" .. inner:gsub("^#", "")) or out)
end

local function typst_body(blocks)
  local out = pandoc.List()
  for _, b in ipairs(blocks) do
    if b.tag == "Table" then b = typst_table(b) end
    out:insert(b)
  end
  return out
end

local function only_images(block)
  if block.tag ~= "Para" and block.tag ~= "Plain" then return false end
  local n = 0
  for _, el in ipairs(block.content) do
    if el.tag == "Image" then n = n + 1
    elseif el.tag ~= "Space" and el.tag ~= "SoftBreak" then return false end
  end
  return n > 0
end

-- Rows of relative widths: layout="[[1,1],[1]]" or "[40,60]", layout-ncol, layout-nrow.
local function layout_rows(attributes, cells)
  local spec = attributes["layout"]
  if spec then
    local ok, parsed = pcall(pandoc.json.decode, spec)
    if ok and type(parsed) == "table" then
      if type(parsed[1]) ~= "table" then parsed = { parsed } end
      return parsed
    end
  end
  local ncol = tonumber(attributes["layout-ncol"] or "")
  local nrow = tonumber(attributes["layout-nrow"] or "")
  if not ncol and nrow then ncol = math.ceil(cells / nrow) end
  if not ncol then return nil end
  local rows, left = {}, cells
  while left > 0 do
    local row = {}
    for _ = 1, ncol do row[#row + 1] = 1 end
    rows[#rows + 1] = row
    left = left - ncol
  end
  return rows
end

local function has_layout(el)
  return el.attributes["layout"] or el.attributes["layout-ncol"] or el.attributes["layout-nrow"]
end

-- What locates a layout in the sources: the div's id, else its layout attribute as written.
local function layout_subject(el)
  if el.identifier ~= "" then return "#" .. el.identifier end
  for _, key in ipairs({ "layout-ncol", "layout-nrow", "layout" }) do
    if el.attributes[key] then return key .. "=" end
  end
  return "layout"
end

-- Word and JATS: a float as Quarto's docx and jats formats show it (see the header).
local function plain_float(kind, id, body, caption, position)
  if is_jats() then
    return { pandoc.Figure(body, pandoc.Caption({ pandoc.Plain(caption) }), pandoc.Attr(id)) }
  end
  local blocks = pandoc.List()
  for _, b in ipairs(body) do
    if only_images(b) then b = pandoc.Div({ b }, pandoc.Attr("", {}, { { "custom-style", "Captioned Figure" } })) end
    blocks:insert(b)
  end
  if #caption > 0 then
    local style = (kind == "tbl" or position == "top") and "Table Caption" or "Image Caption"
    local cap = pandoc.Div({ pandoc.Para(caption) }, pandoc.Attr("", {}, { { "custom-style", style } }))
    if position == "top" then blocks:insert(1, cap) else blocks:insert(cap) end
  end
  return { pandoc.Div(blocks, pandoc.Attr(id)) }
end

-- Lay cells (lists of blocks) out in rows: HTML flex rows, Typst grids. Negative widths are spacers.
local function panel(cells, rows, subject)
  if is_docx() or is_jats() then
    problem("unsupported.layout-" .. FORMAT:match("%a+"), subject,
      "a layout of cells (" .. subject .. ") in " .. (is_docx() and "Word" or "JATS") .. " (Quarto lays it out in a table)")
    local out = pandoc.List()
    for _, cell in ipairs(cells) do out:extend(cell) end
    return out
  end
  local out = pandoc.List()
  if is_html() then out:insert(pandoc.RawBlock("html", '<div class="quarto-layout-panel">')) end
  local next_cell = 1
  local function row_blocks(row)
    local total = 0
    for _, w in ipairs(row) do total = total + math.abs(w) end
    if is_html() then
      out:insert(pandoc.RawBlock("html", '<div class="quarto-layout-row">'))
    else
      local columns = {}
      for _, w in ipairs(row) do columns[#columns + 1] = string.format("%gfr", math.abs(w)) end
      out:insert(pandoc.RawBlock("typst", "#grid(columns: (" .. table.concat(columns, ", ") .. ",), gutter: 1em,"))
    end
    for _, w in ipairs(row) do
      local cell = (w > 0) and cells[next_cell] or pandoc.List()
      if w > 0 then next_cell = next_cell + 1 end
      if is_html() then
        out:insert(pandoc.RawBlock("html", string.format(
          '<div class="quarto-layout-cell" style="flex-basis: %.1f%%;justify-content: flex-start;">', 100 * math.abs(w) / total)))
        out:extend(cell or {})
        out:insert(pandoc.RawBlock("html", "</div>"))
      else
        out:insert(pandoc.RawBlock("typst", "["))
        out:extend(cell or {})
        out:insert(pandoc.RawBlock("typst", "],"))
      end
    end
    out:insert(is_html() and pandoc.RawBlock("html", "</div>") or pandoc.RawBlock("typst", ")"))
  end
  for _, row in ipairs(rows) do row_blocks(row) end
  -- cells beyond the layout (more cells than places): one more row each, as wide as the first
  while next_cell <= #cells do
    local width = {}
    for _ = 1, #rows[1] do width[#width + 1] = 1 end
    row_blocks(width)
  end
  if is_html() then out:insert(pandoc.RawBlock("html", "</div>")) end
  return out
end

-- A float: kind, id ("" when unlabelled), body blocks, caption inlines, and whether it is a subfloat.
local function make_float(kind, id, body, caption, sub_of, keep_together)
  local entry = entries[id]
  local label = pandoc.Inlines({})
  if entry and entry.parent then
    label:insert(pandoc.Str("(" .. entry.sub .. ")")) label:insert(pandoc.Space())
  elseif entry then
    label = caption_label(kind, id)
  end
  local full_caption = label .. caption
  local position = cap_location[kind] or FLOAT_CAPTION[kind]
  local sub = entry and entry.parent or sub_of
  if is_html() then
    local cap_id = id ~= "" and (id .. "-caption") or ""
    local cls = sub and ("quarto-subfloat-caption quarto-subfloat-" .. kind)
      or string.format("quarto-float-caption-%s quarto-float-caption quarto-float-%s", position, kind)
    local caption_blocks = {}
    if #full_caption > 0 then
      caption_blocks = {
        pandoc.RawBlock("html", string.format('<figcaption class="%s"%s>', cls, cap_id ~= "" and (' id="' .. cap_id .. '"') or "")),
        pandoc.Plain(full_caption),
        pandoc.RawBlock("html", "</figcaption>"),
      }
    end
    local figure_class = sub and ("quarto-subfloat-" .. kind) or ("quarto-float quarto-float-" .. kind)
    local blocks = { pandoc.RawBlock("html", string.format('<figure class="%s figure">', figure_class)) }
    if position == "top" then for _, b in ipairs(caption_blocks) do blocks[#blocks + 1] = b end end
    blocks[#blocks + 1] = pandoc.Div(body, pandoc.Attr("", {}, cap_id ~= "" and { { "aria-describedby", cap_id } } or {}))
    if position ~= "top" then for _, b in ipairs(caption_blocks) do blocks[#blocks + 1] = b end end
    blocks[#blocks + 1] = pandoc.RawBlock("html", "</figure>")
    return { pandoc.Div(blocks, pandoc.Attr(id, { "quarto-float", "quarto-figure", "quarto-figure-center", "anchored" })) }
  end
  if is_docx() or is_jats() then return plain_float(kind, id, body, full_caption, position) end
  if not is_typst() then return { pandoc.Div(body, pandoc.Attr(id)) } end
  -- a float laid out in a panel (subfloats) stays on one page with its caption
  local blocks = pandoc.List({ pandoc.RawBlock("typst", (keep_together and "#block(breakable: false)[" or "") .. "#figure([") })
  blocks:extend(typst_body(body))
  local numbered = entry and not entry.parent
  local line = pandoc.Inlines({ pandoc.RawInline("typst", string.format(
    "], caption: figure.caption(position: %s, separator: [%s ], [", position, typst_escape(delimiter()))) })
  line:extend(numbered and caption or full_caption)
  local title, number = typst_title(kind, numbered and entry.number or "")
  local numbering = numbered and string.format('(..) => "%s"', typst_escape(number)) or "none"
  local supplement = numbered and string.format('"%s"', typst_escape(title)) or "none"
  local float_kind = (sub and "quarto-subfloat-" or "quarto-float-") .. kind
  line:insert(pandoc.RawInline("typst", string.format(']), kind: "%s", supplement: %s, numbering: %s, outlined: %s)%s%s',
    float_kind, supplement, numbering, numbered and "true" or "false", id ~= "" and ("<" .. id .. ">") or "",
    keep_together and "]" or "")))
  blocks:insert(pandoc.Plain(line))
  return blocks
end

local render_blocks

-- The cells of a float or layout div: its blocks, a paragraph of several images split into one cell each.
local function cells_of(blocks)
  local cells = pandoc.List()
  for _, b in ipairs(blocks) do
    if only_images(b) then
      for _, el in ipairs(b.content) do
        if el.tag == "Image" then cells:insert(pandoc.List({ pandoc.Para({ el }) })) end
      end
    else
      cells:insert(pandoc.List({ b }))
    end
  end
  return cells
end

local function render_cells(cells, parent)
  return cells:map(function(cell) return render_blocks(cell, parent) end)
end

local function float_div(div, kind)
  local body = pandoc.List(div.content)
  local caption = pandoc.Inlines({})
  if #body > 0 and body[#body].tag == "Para" and not only_images(body[#body]) then
    caption = body[#body].content
    body:remove(#body)
  elseif kind == "tbl" and #body > 0 and body[1].tag == "Para" and #body > 1 and not only_images(body[1]) then
    caption = body[1].content  -- a table div may give its caption first
    body:remove(1)
  end
  -- one captioned table (or code block) inside the div: its caption is the float's caption
  local inner = body:filter(function(b) return b.tag == "Table" or b.tag == "Figure" end)
  if #caption == 0 and #inner == 1 and inner[1].tag == "Table" and inner[1].identifier == "" then
    caption = pandoc.utils.blocks_to_inlines(inner[1].caption.long or {})
    inner[1].caption = pandoc.Caption()
  end
  local cells = render_cells(cells_of(body), div.identifier)
  local rows = layout_rows(div.attributes, #cells)
  local content = pandoc.List()
  if rows then content = panel(cells, rows, layout_subject(div))
  else for _, cell in ipairs(cells) do content:extend(cell) end end
  return make_float(kind, div.identifier, content, caption, nil, rows ~= nil)
end

local function caption_inlines(caption)
  return pandoc.utils.blocks_to_inlines(caption.long or {})
end

-- theorem-like blocks: "**Theorem 1 (Name)** text" ; proof-like: "*Proof.* text"
local function theorem_div(div, kind)
  local content = pandoc.List(div.content)
  local name = div.attributes["name"] and pandoc.Inlines({ pandoc.Str(div.attributes["name"]) }) or nil
  if #content > 0 and content[1].tag == "Header" then
    name = content[1].content
    content:remove(1)
  end
  local title
  local proof_like = kind == nil or PROOF_LIKE[kind]
  if kind and entries[div.identifier] then
    title = pandoc.Inlines({ pandoc.Str(title_of(kind) .. NBSP .. entries[div.identifier].number) })
  else
    title = pandoc.Inlines({ pandoc.Str(words.proof or "Proof") })
    for class, word in pairs({ solution = "solution", remark = "remark" }) do
      if div.classes:includes(class) then title = pandoc.Inlines({ pandoc.Str(words[word] or class) }) end
    end
  end
  if name and #name > 0 then
    title:insert(pandoc.Space()) title:insert(pandoc.Str("(")) title:extend(name) title:insert(pandoc.Str(")"))
  end
  local run_in = proof_like and pandoc.Inlines({ pandoc.Emph(title), pandoc.Str("."), pandoc.Space() })
    or pandoc.Inlines({ pandoc.Strong(title), pandoc.Space() })
  if is_html() then
    run_in = pandoc.Inlines({ pandoc.Span(run_in, pandoc.Attr("", { proof_like and "proof-title" or "theorem-title" })) })
  end
  content = render_blocks(content)
  if #content > 0 and content[1].tag == "Para" then
    content[1].content = run_in .. content[1].content
  else
    content:insert(1, pandoc.Para(run_in))
  end
  local classes = { proof_like and "proof" or "theorem" }
  return { pandoc.Div(content, pandoc.Attr(div.identifier, classes)) }
end

-- A numbered callout: its title becomes "Note 1: title" (or "Note 1"), as a leading heading
-- that callouts.lua takes as the title.
local function number_callout(div, kind)
  local content = pandoc.List(div.content)
  local title = pandoc.Inlines({})
  if div.attributes["title"] then
    title = pandoc.utils.blocks_to_inlines(pandoc.read(div.attributes["title"], "markdown").blocks)
    div.attributes["title"] = nil
  elseif #content > 0 and content[1].tag == "Header" then
    title = content[1].content
    content:remove(1)
  end
  local label = pandoc.Inlines({ pandoc.Str(title_of(kind) .. NBSP .. entries[div.identifier].number) })
  if #title > 0 then label[1].text = label[1].text .. delimiter() label:insert(pandoc.Space()) label:extend(title) end
  content:insert(1, pandoc.Header(2, label))
  div.content = content
  return div
end

local function render_header(h)
  local entry = entries[h.identifier]
  if number_sections and not h.classes:includes("unnumbered") then
    if entry and entry.kind == "sec" then
      h.attributes["number"] = section_number(entry)
      if is_docx() or is_jats() then  -- Quarto writes the number into the heading's text there
        h.content:insert(1, h.level == 1 and pandoc.Str(h.attributes["number"] .. ". ")
          or pandoc.Str(h.attributes["number"] .. " "))
      end
    end
  end
  if is_typst() and shift_headings ~= 0 then
    if h.level + shift_headings < 1 then return { pandoc.Para({ pandoc.Strong(h.content) }) } end
    h.level = h.level + shift_headings
  end
  return { h }
end

local function render_block(b, parent)
  local tag = b.tag
  if tag == "Figure" then
    local kind = kind_of(b.identifier)
    if kind and FLOAT_CAPTION[kind] then
      return make_float(kind, b.identifier, render_blocks(b.content, b.identifier), caption_inlines(b.caption))
    end
    -- a captioned figure without a label: a float without a number
    local caption = caption_inlines(b.caption)
    if #caption == 0 then return render_blocks(b.content, parent) end
    return make_float("fig", "", render_blocks(b.content, parent), caption, parent)
  elseif tag == "Table" then
    local kind = kind_of(b.identifier)
    if kind ~= "tbl" then return { b } end
    local id, caption = b.identifier, caption_inlines(b.caption)
    b.identifier = ""
    b.caption = pandoc.Caption()
    return make_float("tbl", id, { b }, caption)
  elseif tag == "CodeBlock" and kind_of(b.identifier) == "lst" then
    local id = b.identifier
    local caption = b.attributes["lst-cap"] and pandoc.utils.blocks_to_inlines(pandoc.read(b.attributes["lst-cap"], "markdown").blocks)
      or pandoc.Inlines({})
    b.identifier = ""
    b.attributes["lst-cap"] = nil
    return make_float("lst", id, { b }, caption)
  elseif tag == "Header" then
    return render_header(b)
  elseif tag == "Div" then
    local kind = kind_of(b.identifier)
    if kind and FLOAT_CAPTION[kind] and entries[b.identifier] then return float_div(b, kind) end
    if kind and (THEOREM[kind] or PROOF_LIKE[kind]) then return theorem_div(b, kind) end
    if b.classes:includes("proof") or (b.classes:includes("solution") or b.classes:includes("remark")) and not kind then
      return theorem_div(b, nil)
    end
    if kind and CALLOUT[kind] and callout_class(b) and entries[b.identifier] then b = number_callout(b, kind) end
    if has_layout(b) and not callout_class(b) then
      local cells = render_cells(cells_of(b.content), parent)
      b.content = panel(cells, layout_rows(b.attributes, #cells), layout_subject(b))
      return { b }
    end
    b.content = render_blocks(b.content, parent)
    return { b }
  elseif tag == "BlockQuote" then
    b.content = render_blocks(b.content, parent)
  elseif tag == "BulletList" or tag == "OrderedList" then
    for i, item in ipairs(b.content) do b.content[i] = render_blocks(item, parent) end
  elseif tag == "DefinitionList" then
    for _, item in ipairs(b.content) do
      for j, def in ipairs(item[2]) do item[2][j] = render_blocks(def, parent) end
    end
  end
  return { b }
end

render_blocks = function(blocks, parent)
  local out = pandoc.List()
  for _, b in ipairs(blocks) do out:extend(render_block(b, parent)) end
  return out
end

---------------------------------------------------------------------------------------
-- Links to anchors: #x must be an element's id (or one this filter or citeproc creates).
---------------------------------------------------------------------------------------
local ids  -- noted by note_ids: before the references pass when an outline is written or read, else when a link needs them
local has_display_math = false  -- without any, no walk need visit every list of inlines for equations
local function note_ids(blocks)
  ids = {}
  local function note(el) if el.identifier and el.identifier ~= "" then ids[el.identifier] = true end end
  blocks:walk({ Header = note, Div = note, Span = note, Figure = note, Table = note, CodeBlock = note,
    Image = note, Link = note, Code = note,
    Math = function(m) if m.mathtype == "DisplayMath" then has_display_math = true end end })
  ids["refs"] = true
end

local function check_anchor(link)
  local target = link.target:match("^#(.+)$")
  if not target or entries[target] or target:match("^ref%-") then return nil end
  if not ids then note_ids(document.blocks) end
  if ids[target] then return nil end
  problem("link.anchor", "#" .. target, "link to #" .. target .. ", which no element of the document has as id")
  if is_typst() then return link.content end  -- Typst refuses a link to a missing label
end

---------------------------------------------------------------------------------------
-- The outline: written for the whole document, read back when numbering one of its parts.
---------------------------------------------------------------------------------------
local outline_write, outline_read  -- their paths, hex-encoded in the settings (lib/links-file.lua's path_of)
local _, path_of = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "lib", "links-file.lua" }))

local function integers(value)  -- JSON numbers come back as floats; levels and counts are integers
  if type(value) == "number" then return math.tointeger(value) or value end
  if type(value) ~= "table" then return value end
  local out = {}
  for k, v in pairs(value) do out[k] = integers(v) end
  return out
end

local own_ids = {}  -- the ids this document (or part) defines itself, before a whole document's are added

local function write_outline(path)
  local id_list = {}
  for id in pairs(own_ids) do id_list[#id_list + 1] = id end
  table.sort(id_list)
  local file = assert(io.open(path, "w"))
  file:write(pandoc.json.encode({ entries = entries, has_level_one = has_level_one, labels = labels,
    cited = cited, ids = id_list }))
  file:close()
end

-- Number a part as its whole document numbered it: that document's entries (this part's own labels
-- were scanned already, and stay listed in `labels`), its level-1 headings, its ids.
local function read_outline(path)
  local file = assert(io.open(path, "r"))
  local whole = pandoc.json.decode(file:read("a"), false)
  file:close()
  for id, entry in pairs(whole.entries) do entries[id] = integers(entry) end
  has_level_one = whole.has_level_one
  for _, id in ipairs(whole.ids) do ids[id] = true end
end

---------------------------------------------------------------------------------------
local function read_settings(meta)
  local settings = meta["reportkit-filters"] or {}
  if settings["doc-dir"] then doc_dir = path_of(settings["doc-dir"]) end
  given_keys = settings["citation-keys"]
  outline_write = settings["outline-write"] and path_of(settings["outline-write"])
  outline_read = settings["outline-read"] and path_of(settings["outline-read"])
  checking = settings["check"] ~= nil
  for key, value in pairs(settings["words"] or {}) do words[key] = pandoc.utils.stringify(value) end
  for key, value in pairs(meta.crossref or {}) do
    if key ~= "custom" then
      options[key] = type(value) == "boolean" and tostring(value) or pandoc.utils.stringify(value)
    end
  end
  local custom = meta.crossref and meta.crossref.custom
  for _, entry in ipairs(type(custom) == "table" and custom or {}) do
    local key = entry.key and pandoc.utils.stringify(entry.key)
    if key and pandoc.utils.stringify(entry.kind or "float") == "float" then
      local prefix = pandoc.utils.stringify(entry["reference-prefix"] or key)
      CUSTOM[key] = { prefix = prefix, space = entry["space-before-numbering"] ~= false,
                      title = entry["caption-prefix"] and pandoc.utils.stringify(entry["caption-prefix"]) or prefix }
      FLOAT_CAPTION[key] = pandoc.utils.stringify(entry["caption-location"] or "bottom")
    end
  end
  number_sections = meta["number-sections"] == true
  options_margin_citations = meta["citation-location"] and pandoc.utils.stringify(meta["citation-location"]) == "margin"
  for _, kind in ipairs({ "fig", "tbl", "lst" }) do
    local key = meta[kind .. "-cap-location"] and (kind .. "-cap-location") or "cap-location"
    local where = meta[key] and pandoc.utils.stringify(meta[key])
    -- "margin" is refused before rendering (engines/support.py)
    if where == "top" or where == "bottom" then cap_location[kind] = where end
  end
end

-- `report check`'s pass (reportkit-filters.check, protocol.CHECK_PASS): nothing is written, so only what this filter reports
-- matters. The same references and links are checked, in the same order, as in a render's pass 2 (it
-- visits elements bottom-up and never what a function returned), without pass 2's output or pass 3; the
-- references are collected before pass 1 touches the document, which keeps that walk cheap, and pass 1
-- searches paragraphs for equations only when the walk saw display math.
local function check_only(doc)
  local found, display_math = {}, false
  local function collect(el) found[#found + 1] = el end
  doc.blocks:walk({ Cite = collect, Link = collect,
    Math = function(m) if m.mathtype == "DisplayMath" then display_math = true end end })
  without_display_math = not display_math
  scan_blocks(doc.blocks)
  for _, el in ipairs(found) do
    if el.tag == "Cite" then resolve_cite(el) else check_anchor(el) end
  end
  return nil
end

function Pandoc(doc)
  read_settings(doc.meta)
  document = doc
  if checking then return check_only(doc) end
  scan_blocks(doc.blocks)
  if outline_write or outline_read then  -- an outline lists the document's own ids (otherwise noted when a link needs them)
    note_ids(doc.blocks)
    for id in pairs(ids) do own_ids[id] = true end
  end
  if outline_read then read_outline(outline_read) end
  if is_typst() and not has_level_one then shift_headings = -1 end
  doc.blocks = doc.blocks:walk({
    Cite = resolve_cite,
    Math = function(m) if m.mathtype == "DisplayMath" then has_display_math = true end end,
    Image = function(img)
      if img.src:match("^data:") then
        if is_typst() then img.src = data_uri_file(img.src) return img end
        return nil
      end
      if is_typst() then img.src = root_relative(img.src) return img end
      -- HTML: /images/x.png is relative to the project root, where pandoc runs
      if img.src:match("^/[^/]") then img.src = img.src:sub(2) return img end
    end,
    Link = check_anchor,
  })
  -- Labelled display equations, in any list of inlines: a walk that visits every list, so only when the walk
  -- above saw display math (it visits a citation's prefix before the citation). In one walk the Inlines
  -- function would also run after all of the above, as pandoc's typewise traversal runs each kind of
  -- function over the whole document in turn.
  if has_display_math then doc.blocks = doc.blocks:walk({ Inlines = resolve_equations }) end
  doc.blocks = render_blocks(doc.blocks)
  if outline_write then write_outline(outline_write) end
  return doc
end
