--[[
reportkit links filter, run after citeproc: a link without a target (citeproc links a title to an
entry's `url = {}`) keeps its text and loses the link, which Typst would refuse ("URL must not be
empty") and which would point nowhere in HTML.
]]

function Link(link)
  if link.target == "" then return link.content end
end
