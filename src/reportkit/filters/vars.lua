--[[
reportkit vars filter: values substituted for {{< var name >}} arrive as
[value]{.quarto-var data-var="name"}. In HTML, a value whose provenance entry exists
(an element with id "prov-<name, dots as hyphens>") becomes a link to it, with a hover title;
otherwise, and in every other format, the value is plain text.
]]

local function anchor_for(name) return "prov-" .. name:gsub("%.", "-") end

function Pandoc(doc)
  local ids = {}
  local function note(el) if el.identifier and el.identifier ~= "" then ids[el.identifier] = true end end
  doc:walk({ Span = note, Div = note, Header = note, Link = note })
  doc.blocks = doc.blocks:walk({
    Span = function(span)
      if not span.classes:includes("quarto-var") then return nil end
      if not FORMAT:match("html") then return span.content end
      local name = span.attributes["data-var"] or ""
      local anchor = anchor_for(name)
      if ids[anchor] then
        return pandoc.Link(span.content, "#" .. anchor, "Provenance of " .. name,
          pandoc.Attr("", { "quarto-var" }, { { "data-var", name } }))
      end
      return span
    end,
  })
  return doc
end
