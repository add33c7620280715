--[[
reportkit crossref filter: numbers figures, tables, sections and equations, and turns
@fig-x / @tbl-x / @sec-x / @eq-x references into Quarto's markup for HTML and Typst.
Runs before --citeproc, so the citations left in the document are bibliographic only.

Problems (unresolved references, duplicate labels, unknown citation keys) are pandoc
warnings whose message is a JSON object {rule, subject, message} (reportkit/protocol.py);
the Python side reads them from pandoc's --log and maps each subject to file and line.
]]

local KINDS = {
  fig = { name = "Figure", kind = "quarto-float-fig", caption = "bottom" },
  tbl = { name = "Table", kind = "quarto-float-tbl", caption = "top" },
  sec = { name = "Section" },
  eq = { name = "Equation" },
}
local NBSP = "\u{a0}"

local numbers = {}      -- id -> number (string)
local counters = { fig = 0, tbl = 0, eq = 0 }
local number_sections = false
local doc_dir = ""       -- main document folder, relative to the project root (Typst root)

local function is_typst() return FORMAT:match("typst") ~= nil end
local function is_html() return FORMAT:match("html") ~= nil end

local function problem(rule, subject, message)
  pandoc.log.warn(pandoc.json.encode({ rule = rule, subject = subject, message = message }))
end

local function kind_of(id)
  local prefix = id and id:match("^(%a+)%-")
  if prefix and KINDS[prefix:lower()] then return prefix:lower() end
  return nil
end

local function prefix_text(kind, meta_crossref)
  local key = kind .. "-prefix"
  if meta_crossref and meta_crossref[key] then return pandoc.utils.stringify(meta_crossref[key]) end
  return KINDS[kind].name
end

local function title_text(kind, meta_crossref)
  local key = kind .. "-title"
  if meta_crossref and meta_crossref[key] then return pandoc.utils.stringify(meta_crossref[key]) end
  return KINDS[kind].name
end

-- Equation label after display math: Para [Math DisplayMath, Space, Str "{#eq-x}"]
local function equation_label(para)
  local content = para.content
  local n = #content
  if n < 2 then return nil end
  local label = content[n].tag == "Str" and content[n].text:match("^{#(eq%-[%w%-_:%.]+)}$")
  if not label then return nil end
  local i = n - 1
  while i > 0 and (content[i].tag == "Space" or content[i].tag == "SoftBreak") do i = i - 1 end
  if i ~= 1 or content[1].tag ~= "Math" or content[1].mathtype ~= "DisplayMath" then return nil end
  return label, content[1]
end

---------------------------------------------------------------------------------------
-- Pass 1: number everything in document order.
---------------------------------------------------------------------------------------
local section_counts = {}

local function number_header(h)
  if not number_sections or h.classes:includes("unnumbered") then return end
  local level = h.level
  section_counts[level] = (section_counts[level] or 0) + 1
  for l = level + 1, 9 do section_counts[l] = nil end
  local parts = {}
  for l = 1, level do parts[#parts + 1] = tostring(section_counts[l] or 0) end
  if h.identifier ~= "" then numbers[h.identifier] = table.concat(parts, ".") end
end

local function count_float(id)
  local kind = kind_of(id)
  if kind == "fig" or kind == "tbl" then
    if numbers[id] then problem("xref.duplicate", "#" .. id, "duplicate label #" .. id) return end
    counters[kind] = counters[kind] + 1
    numbers[id] = tostring(counters[kind])
  end
end

local numbering_pass = {
  traverse = "topdown",
  Header = function(h) number_header(h) end,
  Figure = function(f) count_float(f.identifier) end,
  Table = function(t) count_float(t.identifier) end,
  Div = function(d) count_float(d.identifier) end,
  Para = function(p)
    local label = equation_label(p)
    if label then
      counters.eq = counters.eq + 1
      numbers[label] = tostring(counters.eq)
    end
  end,
}

---------------------------------------------------------------------------------------
-- Pass 2: floats and equations in the output format's markup.
---------------------------------------------------------------------------------------
local crossref_meta

local function typst_escape_string(s) return (s:gsub('\\', '\\\\'):gsub('"', '\\"')) end

local function root_relative(src)
  if src:match("^%a[%w+.-]*:") or src:sub(1, 1) == "/" then return src end
  if doc_dir == "" then return "/" .. src end
  return "/" .. doc_dir .. "/" .. src
end

-- Typst resolves image paths against the project root (the compile root).
local function fix_images(blocks)
  if not is_typst() then return blocks end
  return pandoc.Blocks(blocks):walk({ Image = function(img) img.src = root_relative(img.src) return img end })
end

-- pandoc's Typst writer wraps every table in #figure(..., kind: table); unwrap it.
local function typst_table(tbl)
  local out = pandoc.write(pandoc.Pandoc({ tbl }), "typst")
  local inner = out:match("^%s*#figure%(%s*(.-)%s*,%s*kind:%s*table%s*%)%s*$")
  return pandoc.RawBlock("typst", inner and ("#" .. inner:gsub("^#", "")) or out)
end

local function caption_inlines(kind, id)
  local label = title_text(kind, crossref_meta) .. NBSP .. numbers[id]
  return pandoc.Inlines({ pandoc.Str(label .. ":"), pandoc.Space() })
end

local function html_float(id, kind, body, caption)
  local info = KINDS[kind]
  local cap_id = id .. "-caption"
  local caption_blocks = {
    pandoc.RawBlock("html", string.format('<figcaption class="quarto-float-caption-%s quarto-float-caption quarto-float-%s" id="%s">',
      info.caption, kind, cap_id)),
    pandoc.Plain(caption_inlines(kind, id) .. caption),
    pandoc.RawBlock("html", "</figcaption>"),
  }
  local blocks = { pandoc.RawBlock("html", string.format('<figure class="quarto-float quarto-float-%s figure">', kind)) }
  if info.caption == "top" then for _, b in ipairs(caption_blocks) do blocks[#blocks + 1] = b end end
  blocks[#blocks + 1] = pandoc.Div(body, pandoc.Attr("", {}, { { "aria-describedby", cap_id } }))
  if info.caption == "bottom" then for _, b in ipairs(caption_blocks) do blocks[#blocks + 1] = b end end
  blocks[#blocks + 1] = pandoc.RawBlock("html", "</figure>")
  return pandoc.Div(blocks, pandoc.Attr(id, { "quarto-float", "quarto-figure", "quarto-figure-center", "anchored" }))
end

local function typst_float(id, kind, body, caption)
  local info = KINDS[kind]
  local blocks = { pandoc.RawBlock("typst", "#figure([") }
  for _, b in ipairs(fix_images(body)) do
    if b.tag == "Table" then b = typst_table(b) end
    blocks[#blocks + 1] = b
  end
  -- one Plain block, so no line breaks (spaces) surround the caption text
  local caption_line = pandoc.Inlines({
    pandoc.RawInline("typst", string.format("], caption: figure.caption(position: %s, [", info.caption)) })
  caption_line:extend(caption)
  caption_line:insert(pandoc.RawInline("typst", string.format(
    ']), kind: "%s", supplement: "%s")<%s>', info.kind, typst_escape_string(title_text(kind, crossref_meta)), id)))
  blocks[#blocks + 1] = pandoc.Plain(caption_line)
  return blocks
end

local function make_float(id, body, caption)
  local kind = kind_of(id)
  if is_html() then return html_float(id, kind, body, caption) end
  if is_typst() then return typst_float(id, kind, body, caption) end
  return nil
end

local function caption_of(caption)
  return pandoc.utils.blocks_to_inlines(caption.long or {})
end

local float_pass = {
  Figure = function(f)
    if kind_of(f.identifier) ~= "fig" and kind_of(f.identifier) ~= "tbl" then return nil end
    return make_float(f.identifier, f.content, caption_of(f.caption))
  end,
  Table = function(t)
    if kind_of(t.identifier) ~= "tbl" then return nil end
    local id, caption = t.identifier, caption_of(t.caption)
    t.identifier = ""
    t.caption = pandoc.Caption()
    return make_float(id, { t }, caption)
  end,
  Div = function(d)
    local kind = kind_of(d.identifier)
    if kind ~= "fig" and kind ~= "tbl" then return nil end
    local body = pandoc.List(d.content)
    local caption = pandoc.Inlines({})
    if #body > 0 and body[#body].tag == "Para" then
      caption = body[#body].content
      body:remove(#body)
    end
    -- a captioned table inside a table div: its caption is the float's caption
    body = body:map(function(b)
      if b.tag == "Table" and #caption == 0 then caption = caption_of(b.caption) end
      if b.tag == "Table" then b.caption = pandoc.Caption() b.identifier = "" end
      if b.tag == "Figure" and b.identifier == "" then return pandoc.Div(b.content) end
      return b
    end)
    return make_float(d.identifier, body, caption)
  end,
  Para = function(p)
    local label, math = equation_label(p)
    if not label then return nil end
    local n = numbers[label]
    if is_html() then
      return pandoc.Para({ pandoc.Span({ pandoc.Math("DisplayMath", math.text .. " \\qquad(" .. n .. ")") },
        pandoc.Attr(label, { "quarto-eq" })) })
    elseif is_typst() then
      local body = pandoc.write(pandoc.Pandoc({ pandoc.Plain({ pandoc.Math("InlineMath", math.text) }) }), "typst")
      return pandoc.RawBlock("typst", string.format('#math.equation(block: true, numbering: "(1)", %s)<%s>',
        body:gsub("%s+$", ""), label))
    end
  end,
  Image = function(img)
    if is_typst() then img.src = root_relative(img.src) end
    return img
  end,
}

---------------------------------------------------------------------------------------
-- Pass 3: references.
---------------------------------------------------------------------------------------
local function capitalise(s) return (s:gsub("^%l", string.upper)) end

local function reference(citation)
  local id = citation.id
  local kind = kind_of(id)
  local key = kind .. id:sub(#kind + 1)  -- @Fig-x refers to #fig-x
  local n = numbers[key]
  if not n then
    problem("xref.unresolved", "@" .. id, "unresolved cross-reference @" .. id)
    return pandoc.Inlines({ pandoc.Strong({ pandoc.Str("?@" .. id) }) })
  end
  local suppress = citation.mode == "SuppressAuthor"
  local prefix = prefix_text(kind, crossref_meta)
  if id:match("^%u") then prefix = capitalise(prefix) end
  local out = pandoc.Inlines({})
  if #citation.prefix > 0 then out:extend(citation.prefix) out:insert(pandoc.Space()) end
  if is_typst() then
    local supplement = suppress and "none" or ("[" .. prefix .. "]")
    out:insert(pandoc.RawInline("typst", string.format("#ref(<%s>, supplement: %s)", key, supplement)))
  else
    local text = suppress and n or (prefix .. NBSP .. n)
    out:insert(pandoc.Link({ pandoc.Str(text) }, "#" .. key, "", pandoc.Attr("", { "quarto-xref" })))
  end
  if #citation.suffix > 0 then out:extend(citation.suffix) end
  return out
end

-- Bibliography keys (pandoc.utils.references reads the bibliography and `references`), looked up
-- at the first bibliographic citation; an unknown key is a problem (citeproc would print "(key?)").
local document, known_keys
local function check_citation(c)
  if not known_keys then
    known_keys = {}
    for _, ref in ipairs(pandoc.utils.references(document)) do known_keys[ref.id] = true end
  end
  if not known_keys[c.id] then
    problem("citation.unknown", "@" .. c.id, "citation key @" .. c.id .. " is not in the bibliography")
  end
end

local cite_pass = {
  Cite = function(cite)
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
  end,
}

---------------------------------------------------------------------------------------
function Pandoc(doc)
  local meta = doc.meta
  number_sections = meta["number-sections"] == true
  crossref_meta = meta.crossref
  local settings = meta["reportkit-filters"] or {}
  if settings["doc-dir"] then doc_dir = pandoc.utils.stringify(settings["doc-dir"]) end
  document = doc
  doc.blocks:walk(numbering_pass)
  -- one walk: pandoc visits inlines before the blocks holding them, so references in a
  -- caption are resolved before the float around it is built
  local transform = { Cite = cite_pass.Cite }
  for key, handler in pairs(float_pass) do transform[key] = handler end
  doc.blocks = doc.blocks:walk(transform)
  return doc
end
