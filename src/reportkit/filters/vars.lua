--[[
reportkit vars filter: values substituted for {{< var name >}} arrive as spans with the
protocol's value class and the variable's name in an attribute (names: reportkit/protocol.py,
handed over in the metadata under reportkit-filters). In HTML, a value whose provenance entry
exists (an element with id <anchor-prefix><name, dots as hyphens>) becomes a link to it, with a
hover title; an entry that another document of the project holds (listed by the Python side under
the filter settings' "links") is linked there; otherwise, and in every other format, the value is
plain text.

The links are in the filter settings or in the JSON file that their "links-file" names (lib/links-file.lua,
as elsewhere.lua reads them; reportkit/protocol.py with_links_file).

One walk links every value and notes every id; a second walk, only needed when some entry
is missing, turns those links back into plain spans.
]]

local links_of = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "lib", "links-file.lua" }))

function Pandoc(doc)
  local settings = doc.meta["reportkit-filters"] or {}
  local VALUE = pandoc.utils.stringify(settings["value-class"] or "")
  local ATTRIBUTE = pandoc.utils.stringify(settings["value-attribute"] or "")
  local PREFIX = pandoc.utils.stringify(settings["anchor-prefix"] or "")
  if VALUE == "" then return nil end
  local function anchor_for(name) return PREFIX .. name:gsub("%.", "-") end
  if not FORMAT:match("html") then
    doc.blocks = doc.blocks:walk({
      Span = function(span) if span.classes:includes(VALUE) then return span.content end end,
    })
    return doc
  end
  local ids, targets = {}, {}
  local function note(el) if el.identifier ~= "" then ids[el.identifier] = true end end
  doc.blocks = doc.blocks:walk({
    Div = note, Header = note, Link = note,
    Span = function(span)
      note(span)
      if not span.classes:includes(VALUE) then return nil end
      local name = span.attributes[ATTRIBUTE] or ""
      targets[anchor_for(name)] = true
      return pandoc.Link(span.content, "#" .. anchor_for(name), "Provenance of " .. name,
        pandoc.Attr("", { VALUE }, { { ATTRIBUTE, name } }))
    end,
  })
  local missing = false
  for target in pairs(targets) do missing = missing or not ids[target] end
  if not missing then return doc end
  -- an entry of another document of the project (the filter settings' "links"): link to it there
  local elsewhere = links_of(settings)
  doc.blocks = doc.blocks:walk({
    Link = function(link)
      local target = link.target:sub(2)
      if link.classes:includes(VALUE) and not ids[target] then
        local entry = elsewhere[target]
        if entry then
          link.target = pandoc.utils.stringify(entry.href)
          return link
        end
        return pandoc.Span(link.content, pandoc.Attr("", { VALUE }, { { ATTRIBUTE, link.attributes[ATTRIBUTE] } }))
      end
    end,
  })
  return doc
end
