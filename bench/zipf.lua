-- wrk script for `bench/run.py --mixed`: each request a path drawn from a list
-- with weights (bench/mixed.py writes it, one "weight path" a line):
--
--   wrk -s bench/zipf.lua http://127.0.0.1:8000/ -- bench/data/mixed-urls.txt 1
--
-- The second argument seeds the draw, so that every phase asks for the same
-- sequence of pages.

local paths, cumulative = {}, {}

function init(args)
  local file = assert(io.open(args[1]), "no URL list: " .. tostring(args[1]))
  local total = 0
  for line in file:lines() do
    local weight, path = line:match("^(%S+)%s+(%S+)$")
    if weight then
      total = total + tonumber(weight)
      paths[#paths + 1] = path
      cumulative[#cumulative + 1] = total
    end
  end
  file:close()
  assert(#paths > 0, "an empty URL list")
  math.randomseed(tonumber(args[2]) or 1)
end

function request()
  -- The first path whose running total reaches the draw: a binary search.
  local draw = math.random() * cumulative[#cumulative]
  local low, high = 1, #cumulative
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cumulative[middle] < draw then
      low = middle + 1
    else
      high = middle
    end
  end
  return wrk.format(nil, paths[low])
end
