--[[
reportkit cells filter: what Quarto does to executed code cells (`.cell` divs, written by
reportkit/execute/markdown.py as Quarto's Jupyter engine writes them) before its crossref filter
(tables.lua reads a cell's HTML table, conditions.lua keeps each format's rendition).

- `code-fold` (HTML only) puts the cell's code in a <details> element (`code-summary` its label,
  "Code" by default; `code-fold="show"` starts open);
- `fig-alt` is the image's alt text in HTML.
]]

local function is_html() return FORMAT:match("html") ~= nil end

local function escape(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

local function folded(code)
  local fold = code.attributes["code-fold"]
  if not is_html() or not code.classes:includes("cell-code") or not fold or fold == "false" then return nil end
  local summary = code.attributes["code-summary"] or "Code"
  code.attributes["code-fold"] = nil
  code.attributes["code-summary"] = nil
  return {
    pandoc.RawBlock("html", '<details class="code-fold"' .. (fold == "show" and " open" or "") .. '>\n<summary>'
      .. escape(summary) .. "</summary>"),
    code,
    pandoc.RawBlock("html", "</details>"),
  }
end

local inside = {
  CodeBlock = folded,
  Image = function(img)
    local alt = img.attributes["fig-alt"]
    if alt and is_html() then
      img.attributes["fig-alt"] = nil
      img.attributes["alt"] = alt
    end
    return img
  end,
}

function Div(div)
  if div.classes:includes("cell") then
    return div:walk(inside)
  end
end
