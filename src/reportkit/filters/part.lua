--[[
reportkit part filter: for a part of a document rendered alone (a preview's quick page, reportkit/quick.py),
after citeproc. The part's citations are made with the whole document's cited keys (nocite), so they link
to the list of references as in the whole document; the list itself stays in the whole page, and the
part's copy is dropped.
]]
function Div(div)
  if div.identifier == "refs" then return {} end
end
