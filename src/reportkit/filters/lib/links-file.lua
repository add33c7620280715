--[[
reportkit filters' helper (not a filter): the files the filter settings name. pandoc reads a metadata file's
strings as markdown, which would change a path's "--", quotes or underscores, so reportkit writes each path as
hex digits of its UTF-8 bytes (reportkit/protocol.py hex_path); path_of decodes one. links_of gives the other
documents' ids (xref.py's links), as elsewhere.lua and vars.lua read them: in the settings themselves
("links"), or in the JSON file that "links-file" names (reading the paper's many links as markdown was slow).
Loaded with dofile from the filters' folder (PANDOC_SCRIPT_FILE), also inside Quarto:
  local links_of, path_of = dofile(...)
]]

local function path_of(value)
  return (pandoc.utils.stringify(value):gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

local function links_of(settings)
  if not settings["links-file"] then return settings["links"] or {} end
  local file = assert(io.open(path_of(settings["links-file"]), "r"))
  local links = pandoc.json.decode(file:read("a"), false)
  file:close()
  return links
end

return links_of, path_of
