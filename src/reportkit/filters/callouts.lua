--[[
reportkit callouts filter: ::: {.callout-note} (note, tip, warning, important, caution)
with an optional title="..." attribute or a leading heading as the title.
HTML gets Quarto's callout markup; Typst calls reportkit-callout() from the builtin template.
Word and JATS get what Quarto's show as text: the title in bold, then the content; in JATS inside
<boxed-text> (as Quarto writes it), in Word in paragraphs of the style "Callout" (boxed by the
project's reference document, where it defines that style).
]]

local TITLES = { note = "Note", tip = "Tip", warning = "Warning", important = "Important", caution = "Caution" }

-- the document language's words (reportkit-filters.words), over the English defaults
function Meta(meta)
  local settings = meta["reportkit-filters"] or {}
  for kind in pairs(TITLES) do
    if settings.words and settings.words[kind] then TITLES[kind] = pandoc.utils.stringify(settings.words[kind]) end
  end
end

local function callout_kind(div)
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind and TITLES[kind] then return kind end
  end
  return nil
end

local function callout(div)
  local kind = callout_kind(div)
  if not kind then return nil end
  local content = pandoc.List(div.content)
  local title = pandoc.Inlines({ pandoc.Str(TITLES[kind]) })
  if div.attributes.title then
    title = pandoc.utils.blocks_to_inlines(pandoc.read(div.attributes.title, "markdown").blocks)
  elseif #content > 0 and content[1].tag == "Header" then
    title = content[1].content
    content:remove(1)
  end
  if FORMAT:match("html") then
    local blocks = pandoc.List({
      pandoc.RawBlock("html", '<div class="callout-header"><div class="callout-title-container">'),
      pandoc.Plain(title),
      pandoc.RawBlock("html", "</div></div>"),
      pandoc.Div(content, pandoc.Attr("", { "callout-body-container", "callout-body" })),
    })
    return pandoc.Div(blocks, pandoc.Attr(div.identifier,
      { "callout", "callout-style-default", "callout-" .. kind, "callout-titled" }))
  elseif FORMAT:match("typst") then
    local blocks = pandoc.List({ pandoc.RawBlock("typst", string.format('#reportkit-callout(kind: "%s", title: [', kind)) })
    blocks:insert(pandoc.Plain(title))
    blocks:insert(pandoc.RawBlock("typst", "])["))
    blocks:extend(content)
    -- a label (for cross-references) on the callout's block
    blocks:insert(pandoc.RawBlock("typst", div.identifier ~= "" and ("]<" .. div.identifier .. ">") or "]"))
    return blocks
  elseif FORMAT:match("jats") then
    local open = div.identifier ~= "" and string.format('<boxed-text id="%s">', div.identifier) or "<boxed-text>"
    local blocks = pandoc.List({ pandoc.RawBlock("jats", open), pandoc.Para({ pandoc.Strong(title) }) })
    blocks:extend(content)
    blocks:insert(pandoc.RawBlock("jats", "</boxed-text>"))
    return blocks
  elseif FORMAT:match("docx") then
    local blocks = pandoc.List({ pandoc.Para({ pandoc.Strong(title) }) })
    blocks:extend(content)
    return pandoc.Div(blocks, pandoc.Attr(div.identifier, {}, { { "custom-style", "Callout" } }))
  end
end

return { { Meta = Meta }, { Div = callout } }
