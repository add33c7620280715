--[[
reportkit vars filter: values substituted for {{< var name >}} arrive as
[value]{.quarto-var data-var="name"}. In HTML, a value whose provenance entry exists
(an element with id "prov-<name, dots as hyphens>") becomes a link to it, with a hover title;
otherwise, and in every other format, the value is plain text.

One walk links every value and notes every id; a second walk, only needed when some entry
is missing, turns those links back into plain spans.
]]

local function anchor_for(name) return "prov-" .. name:gsub("%.", "-") end

function Pandoc(doc)
  if not FORMAT:match("html") then
    doc.blocks = doc.blocks:walk({
      Span = function(span) if span.classes:includes("quarto-var") then return span.content end end,
    })
    return doc
  end
  local ids, targets = {}, {}
  local function note(el) if el.identifier ~= "" then ids[el.identifier] = true end end
  doc.blocks = doc.blocks:walk({
    Div = note, Header = note, Link = note,
    Span = function(span)
      note(span)
      if not span.classes:includes("quarto-var") then return nil end
      local name = span.attributes["data-var"] or ""
      targets[anchor_for(name)] = true
      return pandoc.Link(span.content, "#" .. anchor_for(name), "Provenance of " .. name,
        pandoc.Attr("", { "quarto-var" }, { { "data-var", name } }))
    end,
  })
  local missing = false
  for target in pairs(targets) do missing = missing or not ids[target] end
  if not missing then return doc end
  doc.blocks = doc.blocks:walk({
    Link = function(link)
      if link.classes:includes("quarto-var") and not ids[link.target:sub(2)] then
        return pandoc.Span(link.content, pandoc.Attr("", { "quarto-var" }, { { "data-var", link.attributes["data-var"] } }))
      end
    end,
  })
  return doc
end
