--[[
reportkit tables filter, run before crossref.lua: the table forms Quarto accepts become pandoc Tables
in every format.

- `::: {.list-table}` divs (a bullet list of rows, each a bullet list of cells; header-rows,
  header-cols, widths, aligns attributes) become tables; the div's first or last paragraph is the
  caption and its id the table's label.
- Raw HTML tables (```{=html} or inline HTML blocks holding one <table>) are parsed, as Quarto does,
  so the PDF shows them too.
- Attributes written at the end of a caption (`Caption {tbl-colwidths=[20,40,40]}`) are parsed off the
  caption; tbl-colwidths (on the table, on its div, or in the metadata) sets relative column widths.
]]

local document_widths

-- "{#id .class key=value key2="v w"}" -> Attr, or nil
local function parse_attributes(text)
  local inner = text:match("^%s*{(.*)}%s*$")
  if not inner then return nil end
  local id, classes, attributes = "", {}, {}
  local rest = inner
  while true do
    rest = rest:gsub("^%s+", "")
    if rest == "" then break end
    local hash_id, after_id = rest:match("^#([%w%-_:%.]+)(.*)$")
    if hash_id then id = hash_id rest = after_id
    else
      local class, after = rest:match("^%.([%w%-_]+)(.*)$")
      if class then classes[#classes + 1] = class rest = after
      else
        local key, quote, value, after2 = rest:match('^([%w%-_]+)%s*=%s*(["\'])(.-)%2(.*)$')
        if key then attributes[#attributes + 1] = { key, value } rest = after2
        else
          local key2, value2, after3 = rest:match("^([%w%-_]+)%s*=%s*([^%s]+)(.*)$")
          if not key2 then return nil end
          attributes[#attributes + 1] = { key2, value2 } rest = after3
        end
      end
    end
  end
  return pandoc.Attr(id, classes, attributes)
end

-- Split trailing "{...}" attributes off a list of inlines: (inlines, Attr or nil)
local function caption_attributes(inlines)
  local n = #inlines
  if n == 0 then return inlines, nil end
  local last = inlines[n]
  if last.tag ~= "Str" or not last.text:match("}$") then return inlines, nil end
  for start = n, 1, -1 do
    local el = inlines[start]
    if el.tag == "Str" and el.text:match("^{") then
      local text = pandoc.utils.stringify(pandoc.Inlines({ table.unpack(inlines, start, n) }))
      local attr = parse_attributes(text)
      if not attr then return inlines, nil end
      local kept = pandoc.Inlines({ table.unpack(inlines, 1, start - 1) })
      while #kept > 0 and (kept[#kept].tag == "Space" or kept[#kept].tag == "SoftBreak") do kept:remove(#kept) end
      return kept, attr
    end
  end
  return inlines, nil
end

local function merge(target, attr)
  if not attr then return end
  if attr.identifier ~= "" and target.identifier == "" then target.identifier = attr.identifier end
  for _, class in ipairs(attr.classes) do target.classes:insert(class) end
  for key, value in pairs(attr.attributes) do target.attributes[key] = value end
end

local function widths_of(value)
  if not value or value == "auto" then return nil end
  local ok, parsed = pcall(pandoc.json.decode, value)
  if ok and type(parsed) == "table" and #parsed > 0 then return parsed end
  return nil
end

local function apply_widths(tbl, widths)
  widths = widths or widths_of(tbl.attributes["tbl-colwidths"]) or document_widths
  tbl.attributes["tbl-colwidths"] = nil
  if not widths or #widths ~= #tbl.colspecs then return tbl end
  local total = 0
  for _, w in ipairs(widths) do total = total + w end
  for i, spec in ipairs(tbl.colspecs) do tbl.colspecs[i] = { spec[1], widths[i] / total } end
  return tbl
end

local function table_caption(tbl)
  local long = tbl.caption.long or {}
  if #long == 0 then return end
  local inlines = pandoc.utils.blocks_to_inlines(long)
  local kept, attr = caption_attributes(inlines)
  if attr then
    tbl.caption.long = { pandoc.Plain(kept) }
    merge(tbl.attr, attr)
  end
end

-- list-table: https://github.com/pandoc-ext/list-table semantics, as Quarto adopted them
local ALIGN = { l = "AlignLeft", r = "AlignRight", c = "AlignCenter", d = "AlignDefault" }
local function list_table(div)
  local caption, list = pandoc.Inlines({}), nil
  for i, b in ipairs(div.content) do
    if b.tag == "BulletList" and not list then list = b
    elseif b.tag == "Para" and (i == 1 or i == #div.content) then caption = b.content end
  end
  if not list then return nil end
  local caption_attr
  caption, caption_attr = caption_attributes(caption)
  local header_rows = tonumber(div.attributes["header-rows"] or "1")
  local header_cols = tonumber(div.attributes["header-cols"] or "0")
  local rows, ncols = {}, 0
  for _, item in ipairs(list.content) do
    local cells = {}
    local row_list = item[#item]
    if row_list and row_list.tag == "BulletList" then
      for _, cell_blocks in ipairs(row_list.content) do cells[#cells + 1] = pandoc.Cell(cell_blocks) end
    end
    ncols = math.max(ncols, #cells)
    rows[#rows + 1] = pandoc.Row(cells)
  end
  local aligns = {}
  for a in (div.attributes["aligns"] or ""):gmatch("[^,%s]+") do aligns[#aligns + 1] = ALIGN[a] or "AlignDefault" end
  local colspecs = {}
  for i = 1, ncols do colspecs[i] = { aligns[i] or "AlignDefault", pandoc.ColWidthDefault } end
  local head, body = {}, {}
  for i, row in ipairs(rows) do
    if i <= header_rows then head[#head + 1] = row else body[#body + 1] = row end
  end
  local tbl = pandoc.Table(
    pandoc.Caption(#caption > 0 and { pandoc.Plain(caption) } or {}),
    colspecs, pandoc.TableHead(head),
    { { attr = pandoc.Attr(), body = body, head = {}, row_head_columns = header_cols } },
    pandoc.TableFoot(), pandoc.Attr(div.identifier))
  for key, value in pairs(div.attributes) do
    if key ~= "header-rows" and key ~= "header-cols" and key ~= "aligns" and key ~= "widths" then tbl.attributes[key] = value end
  end
  merge(tbl.attr, caption_attr)
  if div.attributes["widths"] then apply_widths(tbl, widths_of("[" .. div.attributes["widths"] .. "]")) end
  return tbl
end

local function html_table(raw)
  if raw.format ~= "html" then return nil end
  local text = raw.text
  if not (text:match("^%s*<table") and text:match("</table>%s*$")) then return nil end
  local blocks = pandoc.read(text, "html").blocks
  if #blocks == 1 and blocks[1].tag == "Table" then return blocks[1] end
  return nil
end

return {
  { Meta = function(meta)
      local value = meta["tbl-colwidths"]
      if value and type(value) == "table" then
        document_widths = {}
        for i, w in ipairs(value) do document_widths[i] = tonumber(pandoc.utils.stringify(w)) end
      end
    end },
  { Div = function(div) if div.classes:includes("list-table") then return list_table(div) end end,
    RawBlock = html_table },
  { Div = function(div)
      -- tbl-colwidths on a table div applies to the tables in it
      local widths = widths_of(div.attributes["tbl-colwidths"])
      if not widths then return nil end
      div.attributes["tbl-colwidths"] = nil
      return div:walk({ Table = function(t) return apply_widths(t, widths) end })
    end },
  { Table = function(tbl)
      table_caption(tbl)
      return apply_widths(tbl)
    end },
}
