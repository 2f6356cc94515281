#include <iostream>
int main() { std::cout << "rotor " << ROTOR_VERSION << "\n"; }
