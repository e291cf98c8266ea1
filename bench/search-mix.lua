-- wrk script for bench/catalogue.sh: cycles through the search mix written by bench/search-mix.py.
-- Arguments (after --): the mix file, then the bearer tokens of the funded holders, by index.
-- Each thread starts at its own place in the sequence, so threads do not move in step.
local threads = {}

function setup(thread)
  thread:set("number", #threads)
  table.insert(threads, thread)
end

function init(args)
  local tokens = {}
  for i = 2, #args do tokens[i - 2] = args[i] end
  requests = {}
  for line in io.lines(args[1]) do
    local path, token = line:match("^([^\t]*)\t?(.*)$")
    local headers = {}
    if token ~= "" then headers["Authorization"] = "Bearer " .. tokens[tonumber(token)] end
    requests[#requests + 1] = wrk.format("GET", path, headers)
  end
  position = (number * 7919) % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end
