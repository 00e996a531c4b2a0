// The ring producer handle, shared with the bridge (which takes producers
// over in ktsnap_bridge_attach_ring()). Nothing here is exported.
#pragma once

#include <memory>

#include "ring/ring.hpp"

struct ktsnap_producer {
  std::unique_ptr<ktsnap::ring::Producer> p;
};
