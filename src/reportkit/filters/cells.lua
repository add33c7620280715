--[[
reportkit cells filter: what Quarto does to executed code cells (`.cell` divs, written by
reportkit/execute/markdown.py as Quarto's Jupyter engine writes them) before its crossref filter.
Runs first, so a table a cell printed as HTML is a real table when the floats are numbered.

- an HTML table in a cell's output (a pandas DataFrame) becomes a pandoc table, in every format;
- `.content-visible` / `.content-hidden` with `when-format` keep the rendition for this format;
- `code-fold` (HTML only) puts the cell's code in a <details> element (`code-summary` its label,
  "Code" by default; `code-fold="show"` starts open);
- `fig-alt` is the image's alt text in HTML.
]]

local function is_html() return FORMAT:match("html") ~= nil end

local function quarto_format()
  if is_html() then return "html" end
  if FORMAT:match("typst") then return "typst" end
  return FORMAT
end

-- the blocks of an HTML table, without the <style> and wrapper elements pandas puts around it
local function html_table(raw)
  local blocks = pandoc.read(raw.text, "html").blocks
  local kept = pandoc.Blocks({})
  local function collect(list)
    for _, b in ipairs(list) do
      if b.tag == "Div" then collect(b.content)
      elseif b.tag == "Plain" and #b.content == 1 and b.content[1].tag == "RawInline" then -- <style>
      elseif b.tag ~= "RawBlock" then kept:insert(b) end
    end
  end
  collect(blocks)
  return kept
end

local function visible(div)
  local when = div.attributes["when-format"]
  if not when then return nil end
  local here = when == quarto_format() or (when == "pdf" and quarto_format() == "typst")
  if div.classes:includes("content-visible") then return here end
  if div.classes:includes("content-hidden") then return not here end
  return nil
end

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
  RawBlock = function(raw)
    if raw.format == "html" and raw.text:lower():match("<table") then return html_table(raw) end
  end,
  Div = function(div)
    local keep = visible(div)
    if keep == true then return div.content end
    if keep == false then return {} end
  end,
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
