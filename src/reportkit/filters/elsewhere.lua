--[[
reportkit elsewhere filter: references to a float of another main document of the project.

Quarto resolves cross-references across documents only in books; reportkit lets the documents of any
project refer to each other's floats with the usual @tbl-x. The Python side (xref.py) lists, for the
document being rendered, every id the project's other documents define and it does not, under
reportkit-filters.links: id -> { href = "supplement.html#stbl-x", text = "Table S3", number = "3" }; a metadata
file written by reportkit has them in a JSON file that reportkit-filters.links-file names (lib/links-file.lua).

This filter replaces each such reference by that text ("Table S3"; "S3" after a prefix or for
[-@stbl-x]; capitalised for @Stbl-x), a link to the float in HTML (class quarto-xref, as Quarto
marks its references; none with crossref: ref-hyperlink: false), plain text elsewhere (a PDF
cannot link into another PDF's label). Other citations of the same bracket stay a citation, after
the references (after a comma when the first of them looks like a reference label, "prefix-..."). Every other reference is left alone, for crossref.lua (built-in engine) or
Quarto's own crossref.

It is the one place that knows this protocol for both engines: the built-in engine runs it first in
its chain; the Quarto engine passes it to `quarto render` as a pre-quarto filter
(engines/quarto.py), with the same settings in a metadata file.
]]

local NBSP = "\u{a0}"
local links = {}
local hyperlink = true

local function label_of(id) return id:sub(1, 1):lower() .. id:sub(2) end  -- @Stbl-x refers to #stbl-x
local function capitalise(s) return (s:gsub("^%l", string.upper)) end
local function is_html() return FORMAT:match("html") ~= nil end

-- The links: in the settings, or in the JSON file they name (lib/links-file.lua).
local links_of = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "lib", "links-file.lua" }))

-- A float's text as metadata gives it: markdown (a custom kind's reference-prefix is, in its own document).
local function text_of(value)
  if type(value) ~= "string" or value == "" then return pandoc.utils.stringify(value or "") end
  return pandoc.utils.stringify(pandoc.read(value, "markdown").blocks)
end

local function read_settings(meta)
  local settings = meta["reportkit-filters"] or {}
  for id, entry in pairs(links_of(settings)) do
    local text = text_of(entry.text)
    if text ~= "" then  -- only numbered floats can be referred to
      links[id] = { href = pandoc.utils.stringify(entry.href or ""), text = text,
                    number = pandoc.utils.stringify(entry.number or "") }
    end
  end
  local option = meta.crossref and meta.crossref["ref-hyperlink"]
  hyperlink = option == nil or pandoc.utils.stringify(option) ~= "false"
end

local function reference(citation, float)
  local text = pandoc.Inlines({})
  if #citation.prefix > 0 then text:extend(citation.prefix) text:insert(pandoc.Str(NBSP)) end
  local shown = (#citation.prefix > 0 or citation.mode == "SuppressAuthor") and float.number or float.text
  if citation.id:match("^%u") then shown = capitalise(shown) end
  text:insert(pandoc.Str(shown))
  if not is_html() or not hyperlink then return text end
  return pandoc.Inlines({ pandoc.Link(text, float.href, "", pandoc.Attr("", { "quarto-xref" })) })
end

local function resolve(cite)
  local found, rest = pandoc.List(), pandoc.List()
  for _, c in ipairs(cite.citations) do
    if links[label_of(c.id)] then found:insert(c) else rest:insert(c) end
  end
  if #found == 0 then return nil end
  local out = pandoc.Inlines({})
  for i, c in ipairs(found) do
    if i > 1 then out:insert(pandoc.Str(",")) out:insert(pandoc.Space()) end
    out:extend(reference(c, links[label_of(c.id)]))
  end
  if #rest > 0 then
    -- more references ("Figure S1, Table 2") follow after a comma, citations ("Figure S1 (Smith 2020)") after a space
    if rest[1].id:match("^%a+%-") then out:insert(pandoc.Str(",")) end
    for _, c in ipairs(rest) do if c.mode == "AuthorInText" then c.mode = "NormalCitation" end end
    out:insert(pandoc.Space())
    out:insert(pandoc.Cite({}, rest))
  end
  return out
end

function Pandoc(doc)
  read_settings(doc.meta)
  if next(links) == nil then return nil end
  doc.blocks = doc.blocks:walk({ Cite = resolve })
  return doc
end
