--[[
reportkit conditions filter, run first: Quarto's conditional content. A div or span with class
`content-visible` or `content-hidden` and `when-format`/`unless-format`, `when-meta`/`unless-meta`
or `when-profile`/`unless-profile` is kept (unwrapped) or dropped for the format being written, with
Quarto's format names: `html` is the HTML page, `typst` the PDF's source; `pdf` and `latex` mean
LaTeX output, so content for them is hidden in both, as Quarto hides it when it writes Typst.
`report check`'s pass (reportkit-filters.check, reportkit/protocol.py CHECK_PASS) names the format it
stands for.
]]

local meta
local format = FORMAT  -- `report check`'s pass writes nothing: its settings name the format it stands for

local function is_format(name)
  if format == name then return true end
  if name == "html" then return format:match("html") ~= nil end
  if name == "typst" then return format:match("typst") ~= nil end
  return false
end

local function read_meta(m)
  meta = m
  local settings = m["reportkit-filters"]
  if settings and settings["check"] then format = pandoc.utils.stringify(settings["check"]) end
end

local function meta_true(key)
  local value = meta
  for part in key:gmatch("[^.]+") do
    if type(value) ~= "table" then return false end
    value = value[part]
  end
  return value == true or (value ~= nil and value ~= false and pandoc.utils.stringify(value) == "true")
end

local function profile_active(name)
  for profile in (os.getenv("QUARTO_PROFILE") or ""):gmatch("[^,%s]+") do
    if profile == name then return true end
  end
  return false
end

local TESTS = {
  { "when-format", is_format, false }, { "unless-format", is_format, true },
  { "when-meta", meta_true, false }, { "unless-meta", meta_true, true },
  { "when-profile", profile_active, false }, { "unless-profile", profile_active, true },
}

local function conditional(el)
  local visible = el.classes:includes("content-visible")
  local hidden = el.classes:includes("content-hidden")
  if not visible and not hidden then return nil end
  local match = true
  for _, test in ipairs(TESTS) do
    local value = el.attributes[test[1]]
    if value then match = match and (test[3] ~= test[2](value)) end
  end
  local show = (visible and match) or (hidden and not match)
  if not show then return {} end
  return el.content
end

return {
  { Meta = read_meta },
  { Div = conditional, Span = conditional },
}
