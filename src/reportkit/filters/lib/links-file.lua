--[[
reportkit filters' helper (not a filter): the other documents' ids (xref.py's links), as elsewhere.lua and
vars.lua read them from the filter settings: in the settings themselves ("links"), or in the JSON file that
"links-file" names, its path as hex digits of its UTF-8 bytes (reportkit/protocol.py with_links_file). A
metadata file's strings are read as markdown: slow for the paper's many links, and it would turn a path's
"--" into a dash. Loaded with dofile from the filters' folder (PANDOC_SCRIPT_FILE), also inside Quarto.
]]

return function(settings)
  if not settings["links-file"] then return settings["links"] or {} end
  local path = pandoc.utils.stringify(settings["links-file"]):gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
  local file = assert(io.open(path, "r"))
  local links = pandoc.json.decode(file:read("a"), false)
  file:close()
  return links
end
