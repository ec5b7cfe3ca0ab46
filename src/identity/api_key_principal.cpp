#include "identity/api_key_principal.h"

namespace gh::identity {

Principal principal_of(const store::ApiKey& k) {
  Principal p;
  p.kind = PrincipalKind::kApiKey;
  p.subject = k.name;
  p.display_name = k.owner;
  p.groups = k.groups;
  p.expires_at = k.expires_at.value_or(0);
  return p;
}

}  // namespace gh::identity
