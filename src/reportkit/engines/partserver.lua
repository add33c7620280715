--[[
reportkit part server, run as `pandoc lua partserver.lua`: one long-lived pandoc that renders parts of a
document (a preview's quick page, reportkit/quick.py) without a new pandoc process per part, and a
preview's whole document to Typst (with --standalone and --template).

The first line on stdin gives what pandoc reads from its data files: {"abbreviations": [...]}. Then
each request is one line on stdin: a JSON array of pandoc command-line arguments, exactly those the
built-in engine would give the pandoc executable for that part. The server does what pandoc does with
them, for the few arguments a part uses (reportkit/engines/partserver.py lists them): reads the input,
adds the metadata file (parsed once per content), runs the Lua filters and citeproc in the order given,
writes the output and pandoc's --log (the filters' warnings, as pandoc logs them). It answers with one
line: {"ok": true, "raw-html": n} (n: the raw HTML elements the input holds, comments aside, which
pandoc's --embed-resources would re-render) or {"ok": false, "error": "..."}; an argument it does not know is such an error, and
the caller runs the pandoc executable instead. `--embed-resources` is left to the caller (pandoc's Lua
writers do not embed): the HTML is written with the resources' paths.
]]

local SWITCHES = { ["--embed-resources"] = true, ["--mathml"] = true, ["--section-divs"] = true, ["--standalone"] = true,
  ["--number-sections"] = true, ["--citeproc"] = true }
local VALUED = { ["--from"] = true, ["--metadata-file"] = true, ["--log"] = true, ["--lua-filter"] = true, ["--template"] = true,
  ["--resource-path"] = true, ["--output"] = true, ["--to"] = true }
local PATH_SEPARATOR = package.config:sub(1, 1) == "\\" and ";" or ":"
local METADATA_KEPT = 8  -- parsed metadata files kept, by content (a part's two renderings differ in one path)

local metadata_cache, metadata_order = {}, {}
local reader_options  -- as the pandoc executable reads: its abbreviations (the first line gives them), 72 columns

local function read_file(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("a")
  file:close()
  return text
end

local function write_file(path, text)
  local file = assert(io.open(path, "wb"))
  file:write(text)
  file:close()
end

-- The arguments as pandoc reads them: options in order (filters and citeproc keep theirs), one input.
local function parse(args)
  local options, steps, input = {}, {}, nil
  local i = 1
  while i <= #args do
    local arg = args[i]
    if SWITCHES[arg] then
      options[arg] = true
      if arg == "--citeproc" then steps[#steps + 1] = { citeproc = true } end
      i = i + 1
    elseif VALUED[arg] and args[i + 1] then
      if arg == "--lua-filter" then
        steps[#steps + 1] = { filter = args[i + 1] }
      elseif options[arg] then
        error("argument given twice: " .. arg)
      else
        options[arg] = args[i + 1]
      end
      i = i + 2
    elseif arg:sub(1, 1) ~= "-" and not input then
      input = arg
      i = i + 1
    else
      error("argument the part server does not handle: " .. arg)
    end
  end
  if not input or not options["--to"] or not options["--output"] then
    error("an input, --to and --output are needed")
  end
  return input, options, steps
end

-- A metadata file's values, read as pandoc reads --metadata-file (YAML whose strings are markdown in the
-- input's format), once per content.
local function metadata(path, from)
  local text = read_file(path)
  local key = from .. "\0" .. text
  if not metadata_cache[key] then
    metadata_cache[key] = pandoc.read("---\n" .. text .. "\n---\n", from, reader_options).meta
    metadata_order[#metadata_order + 1] = key
    if #metadata_order > METADATA_KEPT then metadata_cache[table.remove(metadata_order, 1)] = nil end
  end
  return metadata_cache[key]
end

-- The environment a filter runs in: pandoc's globals for this output, and pandoc.log.warn collected as
-- pandoc's --log records it (a ScriptingWarning with the caller's source as Lua names it, and its line).
local function filter_environment(path, format, output, log)
  local logging = setmetatable({
    warn = function(message)
      local caller = debug.getinfo(2, "Sl")
      log[#log + 1] = { type = "ScriptingWarning", verbosity = "WARNING", message = message,
        source = caller.short_src, line = caller.currentline }
    end,
    info = function() end,
  }, { __index = pandoc.log })
  local state = setmetatable({ output_file = output }, { __index = function(_, k) return PANDOC_STATE[k] end })
  local module = setmetatable({ log = logging }, { __index = pandoc })
  return setmetatable({ FORMAT = format, PANDOC_STATE = state, PANDOC_SCRIPT_FILE = path, pandoc = module },
    { __index = _G })
end

local function render(args)
  local input, options, steps = parse(args)
  local from, to, output = options["--from"] or "markdown", options["--to"], options["--output"]
  local resource_path = {}
  for dir in (options["--resource-path"] or "."):gmatch("[^" .. PATH_SEPARATOR .. "]+") do
    resource_path[#resource_path + 1] = dir
  end
  local log, raw_html = {}, 0
  pandoc.mediabag.empty()  -- as a new pandoc process starts: nothing fetched by an earlier request
  pandoc.with_state({ resource_path = resource_path }, function()
    local doc = pandoc.read(read_file(input), from, reader_options)
    local function count_raw(raw)  -- an HTML comment stays as it is
      if raw.format:match("^html") and not raw.text:match("^%s*<!%-%-.*%-%->%s*$") then raw_html = raw_html + 1 end
    end
    doc:walk({ RawInline = count_raw, RawBlock = count_raw })
    if options["--metadata-file"] then
      for key, value in pairs(metadata(options["--metadata-file"], from)) do
        if doc.meta[key] == nil then doc.meta[key] = value end
      end
    end
    local format = to:match("^[%w_]+")
    for _, step in ipairs(steps) do
      if step.citeproc then
        doc = pandoc.utils.citeproc(doc)
      else
        doc = pandoc.utils.run_lua_filter(doc, step.filter, filter_environment(step.filter, format, output, log))
      end
    end
    local writer = pandoc.WriterOptions({
      html_math_method = options["--mathml"] and "mathml" or nil,
      section_divs = options["--section-divs"] or false,
      number_sections = options["--number-sections"] or false,
    })
    if options["--template"] then  -- a whole document: its template, and the variables the executable sets
      if not options["--standalone"] then error("--template without --standalone") end
      local path = options["--template"]
      writer.template = pandoc.template.compile(read_file(path), path)
      writer.variables = { outputfile = output, sourcefile = input, curdir = pandoc.system.get_working_directory(),
        ["pandoc-version"] = tostring(PANDOC_VERSION) }
    elseif options["--standalone"] then
      error("--standalone without --template")  -- the format's default template: left to the executable
    end
    -- as the pandoc executable does after citeproc: the writer shows citeproc's text, not its own citations
    local writes_citations = pandoc.List(pandoc.format.all_extensions(to)):includes("citations")
    local text = pandoc.write(doc, (options["--citeproc"] and writes_citations) and to .. "-citations" or to, writer)
    if not options["--standalone"] and text:sub(-1) ~= "\n" then text = text .. "\n" end
    write_file(output, text)
  end)
  if options["--log"] then write_file(options["--log"], pandoc.json.encode(log)) end
  return raw_html
end

local setup = pandoc.json.decode(io.stdin:read("l"), false)
local abbreviations = {}
for _, abbreviation in ipairs(setup.abbreviations) do abbreviations[abbreviation] = true end
reader_options = pandoc.ReaderOptions({ abbreviations = abbreviations, columns = 72 })

for line in io.stdin:lines() do
  local ok, result = pcall(function() return render(pandoc.json.decode(line, false)) end)
  local answer = ok and { ok = true, ["raw-html"] = result } or { ok = false, error = tostring(result) }
  io.stdout:write(pandoc.json.encode(answer), "\n")
  io.stdout:flush()
  -- Lua sees pandoc's documents as small handles and seldom collects them on its own: collected after each
  -- request, they are not kept until the next ones. pandoc lua still keeps some memory per request (~1 MB a
  -- part, ~8 MB a whole document, measured with this collection), which partserver.py's renew_if_grown bounds.
  collectgarbage("collect")
end
