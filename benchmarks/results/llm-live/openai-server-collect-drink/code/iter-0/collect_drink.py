from collections import deque

def collect_drink(api):
    while True:
        # Step 1: Find water cell
        if api.facing() == "water":
            return api.do()
        
        # Step 2: Explore surrounding cells to find water
        for offset in [(-1, 0), (0, -1), (1, 0), (0, 1)]:
            new_offset = (api.position()[0] + offset[0], api.position()[1] + offset[1])
            if api.cell(new_offset) == "water":
                return api.move(offset)
        
        # Step 3: If no water found, explore further
        api.explore()

def done(api):
    return api.achievements()["collect_drink"] > 0
