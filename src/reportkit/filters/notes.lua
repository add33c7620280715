--[[
reportkit notes filter: `reference-location: margin` puts footnotes in the margin of the HTML page,
as Quarto does (a numbered mark in the text, the note beside it); the PDF keeps them as footnotes.
]]

function Pandoc(doc)
  local where = doc.meta["reference-location"]
  if not FORMAT:match("html") or not where or pandoc.utils.stringify(where) ~= "margin" then return nil end
  local n = 0
  doc.blocks = doc.blocks:walk({
    Note = function(note)
      n = n + 1
      local mark = pandoc.Superscript({ pandoc.Str(tostring(n)) })
      local text = pandoc.Inlines({ pandoc.Superscript({ pandoc.Str(tostring(n)) }), pandoc.Space() })
      text:extend(pandoc.utils.blocks_to_inlines(note.content, { pandoc.Space() }))
      return { pandoc.Span(mark, pandoc.Attr("", { "margin-note-ref" })),
               pandoc.Span(text, pandoc.Attr("", { "column-margin", "margin-note" })) }
    end,
  })
  return doc
end
